"""``{% related item %}``: an item page's "Related" section (nothing when nothing is related).

It reads precomputed rows only (``services.related_for``): no model is ever loaded in a web
request. ``?related=surprise`` on the page switches the section to "surprise me" mode, so the
option works without JavaScript; with htmx the link swaps the section in place through
``serendipity:related``.
"""

from __future__ import annotations

from typing import Any

from django import template

from knowledgehub.knowledge.models import Item

from ..services import related_context

register = template.Library()


@register.inclusion_tag("serendipity/_related.html", takes_context=True)
def related(context: dict[str, Any], item: Item | None) -> dict[str, Any]:
    request = context.get("request")
    viewer = getattr(request, "user", None) or context.get("user")
    surprise = request is not None and request.GET.get("related") == "surprise"
    return related_context(viewer, item, surprise=surprise)
