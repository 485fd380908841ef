"""Theme pages: the list of themes and one theme with its items, people and communities.

Views only read precomputed rows (``rebuild_themes`` and the worker write them). Everything an item
contributes (the item, its author, its community, a summary sentence) passes through the one
visibility rule; a theme itself through :func:`services.visible_themes`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.models import Item
from knowledgehub.lib.pagination import paginate
from knowledgehub.people.models import User

from .services import may_see_community_themes, visible_themes

ITEMS_PER_PAGE = 20
PEOPLE_SHOWN = 12
COMMUNITIES_SHOWN = 12
SUMMARY_SENTENCES = 5
MAX_PK = 2**63 - 1


@require_safe
def theme_list(request: HttpRequest) -> HttpResponse:
    """Sitewide themes, biggest first; ``?community=<slug>`` a community's, for its members."""
    viewer = request.user
    slug = request.GET.get("community", "").strip()
    community: Community | None = None
    if slug:
        community = Community.objects.visible_to(viewer).filter(slug=slug[:140]).first()
        if community is None or not may_see_community_themes(viewer, community):
            raise Http404
        themes = visible_themes(viewer, community)
    else:
        themes = visible_themes(viewer).filter(community__isnull=True)
    mine: list[Community] = []
    if viewer.is_authenticated and community is None:
        with_themes = visible_themes(viewer).filter(community__isnull=False).values("community_id")
        mine = list(
            Community.objects.visible_to(viewer).filter(pk__in=with_themes).order_by("name")
        )
    return render(
        request,
        "themes/list.html",
        {
            "themes": list(themes.order_by("-size", "pk")),
            "community": community,
            "my_communities": mine,
        },
    )


@require_safe
def theme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from knowledgehub.serendipity.summaries import summarise_items

    if pk > MAX_PK:
        raise Http404
    viewer = request.user
    theme = get_object_or_404(
        visible_themes(viewer, active_only=False).select_related("community"), pk=pk
    )
    items = Item.objects.visible_to(viewer).filter(theme_memberships__theme=theme)
    # One join to the membership: the filter's, reused by the ordering.
    ranked = items.select_related("author", "community").order_by(
        "-theme_memberships__score", "-published_at", "-pk"
    )
    paged = paginate(request, ranked, ITEMS_PER_PAGE)
    authors = (
        items.exclude(author__isnull=True)
        .values("author_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "author_id")
    )
    by_author = {row["author_id"]: row["n"] for row in authors[:200]}
    people = sorted(
        User.objects.visible_to(viewer).filter(pk__in=list(by_author)),
        key=lambda u: (-by_author[u.pk], u.display_name.lower(), u.pk),
    )[:PEOPLE_SHOWN]
    communities = list(
        Community.objects.visible_to(viewer)
        .filter(pk__in=items.exclude(community__isnull=True).values("community_id"))
        .order_by("name")[:COMMUNITIES_SHOWN]
    )
    context: dict[str, Any] = {
        "theme": theme,
        "paged": paged,
        "people": people,
        "communities": communities,
        "summary": summarise_items(viewer, items, max_sentences=SUMMARY_SENTENCES)
        if paged.page.paginator.count
        else [],
    }
    return render(request, "themes/detail.html", context)
