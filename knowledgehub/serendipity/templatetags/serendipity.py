"""``{% related item %}``: an item page's "Related" section (nothing when nothing is related)."""

from __future__ import annotations

from typing import Any

from django import template

from knowledgehub.knowledge.models import Item

from ..services import related_for

register = template.Library()


@register.inclusion_tag("serendipity/_related.html", takes_context=True)
def related(context: dict[str, Any], item: Item | None) -> dict[str, Any]:
    request = context.get("request")
    viewer = getattr(request, "user", None) or context.get("user")
    rows = related_for(viewer, item) if item is not None and item.pk else []
    return {"related_items": rows, "item": item}
