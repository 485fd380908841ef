from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from knowledgehub.knowledge.models import Item

from ..pagination import Page, keyset_page
from ..schemas import ItemOut, items_for_output, items_out

router = Router(tags=["items"])


@router.get("", response=Page[ItemOut])
def list_items(
    request: HttpRequest, cursor: str | None = None, limit: int = 20, sort: str | None = None
) -> dict[str, Any]:
    qs = items_for_output(Item.objects.visible_to(request.user))
    return keyset_page(
        request,
        qs,
        sort=sort,
        allowed={"published": "published_at", "title": "title"},
        default="-published",
        limit=limit,
        cursor=cursor,
        transform=items_out,
    )
