from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from knowledgehub.lib.pagination import paginate

from .models import Item, Tag


@require_safe
def tag_detail(request: HttpRequest, tag: str) -> HttpResponse:
    topic = get_object_or_404(Tag, slug=tag)
    items = (
        Item.objects.visible_to(request.user)
        .filter(tags=topic)
        .select_related("author", "community")
        .order_by("-published_at", "-id")
    )
    return render(
        request,
        "knowledge/tag.html",
        {"tag": topic, "paged": paginate(request, items, settings.KH_PAGE_SIZE)},
    )
