from __future__ import annotations

from typing import Any

from django import template

from knowledgehub.offers.services import reciprocity_for
from knowledgehub.people.models import User

register = template.Library()


@register.inclusion_tag("offers/_reciprocity.html", takes_context=True)
def reciprocity(context: dict[str, Any], person: User) -> dict[str, Any]:
    """``{% load offers %}{% reciprocity person %}``: what a person has given and received,
    counting only offers and asks the viewer may see."""
    request = context.get("request")
    viewer = getattr(request, "user", None)
    if viewer is None:
        from django.contrib.auth.models import AnonymousUser

        viewer = AnonymousUser()
    return {"person": person, "reciprocity": reciprocity_for(person, viewer)}
