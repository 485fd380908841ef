"""``{% people_like_you person %}`` ("People like you" on the home page and a profile) and
``{% who_has_done_this item %}`` (on an item page; "Who can help?" on an ask). Both only read
precomputed rows, filtered for the viewer in SQL (``serendipity.people``)."""

from __future__ import annotations

from typing import Any

from django import template

from knowledgehub.knowledge.models import Item
from knowledgehub.people.models import User

from ..people import is_ask
from ..people import people_like_you as _people_like_you
from ..people import who_has_done_this as _who

register = template.Library()


def _viewer(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.inclusion_tag("serendipity/_people_like_you.html", takes_context=True)
def people_like_you(
    context: template.Context, person: User | None, home: bool = False
) -> dict[str, Any]:
    """People most like ``person`` for the viewer. ``home=True`` (the signed-in home page) says
    what to do when there is nobody yet instead of rendering nothing."""
    viewer = _viewer(context)
    rows = _people_like_you(viewer, person) if isinstance(person, User) else []
    return {
        "people": rows,
        "person": person,
        "is_self": bool(viewer is not None and person is not None and viewer.pk == person.pk),
        "home": home,
    }


@register.inclusion_tag("serendipity/_who_has_done_this.html", takes_context=True)
def who_has_done_this(context: template.Context, item: Item | None) -> dict[str, Any]:
    """Rendered once per item per request: a page may carry the tag itself (offers) and through
    the shared discussion include."""
    request = context.get("request")
    if not isinstance(item, Item) or not item.pk:
        return {"people": []}
    done: set[int] = getattr(request, "_kh_who_has_done_this", set()) if request else set()
    if item.pk in done:
        return {"people": []}
    if request is not None:
        done.add(item.pk)
        request._kh_who_has_done_this = done
    rows = _who(_viewer(context), item)
    return {"people": rows, "ask": bool(rows) and is_ask(item), "item": item}
