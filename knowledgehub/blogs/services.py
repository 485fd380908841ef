from __future__ import annotations

from django.db import transaction

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.models import Tag
from knowledgehub.knowledge.registry import index_sync
from knowledgehub.people.models import User

from .models import Post


def post_create(
    *,
    author: User,
    title: str,
    body: str,
    audience: str,
    community: Community | None = None,
    tags: list[str] | None = None,
    is_demo: bool = False,
) -> Post:
    with transaction.atomic():
        post = Post(
            author=author,
            title=title,
            body=body,
            audience=audience,
            community=community,
            is_demo=is_demo,
        )
        post.save()
        if tags:
            post.tags.set(Tag.objects.get_or_create_many(tags))
            index_sync(post)
    return post
