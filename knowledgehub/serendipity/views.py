"""The "Related" section as a fragment, for htmx's "Surprise me" swap. Reads precomputed rows
only; the item is looked up through the visibility rule, so an item the viewer may not see is a
404 like everywhere else."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from knowledgehub.knowledge.models import Item

from .services import related_context

_FLAGS = {"": False, "0": False, "false": False, "1": True, "true": True}


@require_safe
def related(request: HttpRequest, item_id: int) -> HttpResponse:
    flag = request.GET.get("surprise", "").strip().lower()
    if flag not in _FLAGS:
        return HttpResponseBadRequest(_("surprise must be 1 or 0."))
    item = get_object_or_404(Item.objects.visible_to(request.user), pk=item_id)
    return render(
        request,
        "serendipity/_related.html",
        related_context(request.user, item, surprise=_FLAGS[flag]),
    )
