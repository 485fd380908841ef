from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from knowledgehub.lib.diff import line_diff
from knowledgehub.lib.pagination import paginate

from .models import ContentRevision, Item, Tag


def _revisions(request: HttpRequest, item_id: int) -> tuple[Item, list[ContentRevision]]:
    item = get_object_or_404(Item.objects.visible_to(request.user), pk=item_id)
    revisions = list(
        ContentRevision.objects.filter(
            content_type_id=item.content_type_id, object_id=item.object_id
        ).select_related("editor")
    )
    return item, revisions


@require_safe
def item_history(request: HttpRequest, item_id: int) -> HttpResponse:
    """Every recorded revision of an item the viewer may see, newest first."""
    item, revisions = _revisions(request, item_id)
    return render(request, "knowledge/history.html", {"item": item, "revisions": revisions})


@require_safe
def item_diff(request: HttpRequest, item_id: int) -> HttpResponse:
    """What changed between two revisions (``?from=N&to=M``, any two, either order)."""
    item, revisions = _revisions(request, item_id)
    by_number = {r.number: r for r in revisions}
    try:
        numbers = sorted({int(request.GET["from"]), int(request.GET["to"])})
    except (KeyError, ValueError):
        return render(
            request,
            "knowledge/history.html",
            {
                "item": item,
                "revisions": revisions,
                "error": "Choose two revisions to compare",
            },
            status=400,
        )
    if len(numbers) == 1:
        numbers = [numbers[0], numbers[0]]
    if not all(n in by_number for n in numbers):
        raise Http404("No such revision")
    old, new = by_number[numbers[0]], by_number[numbers[1]]
    return render(
        request,
        "knowledge/diff.html",
        {"item": item, "old": old, "new": new, "rows": line_diff(old.body, new.body)},
    )


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
