"""Pagination shaped for the GOV.UK pagination component."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import HttpRequest


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None renders an ellipsis
    url: str
    current: bool


@dataclass(frozen=True)
class Paged:
    page: Page[Any]
    links: list[PageLink]
    previous_url: str | None
    next_url: str | None

    @property
    def object_list(self) -> Any:
        return self.page.object_list


def _url(request: HttpRequest, number: int) -> str:
    params = request.GET.copy()
    params["page"] = str(number)
    return "?" + params.urlencode()


def paginate(request: HttpRequest, queryset: Any, per_page: int) -> Paged:
    paginator = Paginator(queryset, per_page)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        page = paginator.page(1)
    except EmptyPage:
        page = paginator.page(paginator.num_pages)
    links: list[PageLink] = []
    if paginator.num_pages > 1:
        for number in paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1):
            if number == Paginator.ELLIPSIS:
                links.append(PageLink(None, "", False))
            else:
                links.append(
                    PageLink(int(number), _url(request, int(number)), number == page.number)
                )
    return Paged(
        page=page,
        links=links,
        previous_url=_url(request, page.previous_page_number()) if page.has_previous() else None,
        next_url=_url(request, page.next_page_number()) if page.has_next() else None,
    )
