"""The search pages: results (/search/), the Atom feed of a search, as-you-type suggestions,
and saved searches.

Every read goes through the search service (``service.search`` / ``service.suggest``), which
reads through the one visibility rule; the people, communities and organisations group reads
through their own doors (the people and community visibility rules; organisations are public).
The Atom feed of a search is built as an anonymous visitor would see it, whoever fetches it (see
``feeds.outgoing``); a saved search's private feed uses its owner's ``FeedToken`` and is read
with their visibility at request time.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import nh3
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from knowledgehub.communities.models import Community
from knowledgehub.feeds.models import FeedToken
from knowledgehub.feeds.outgoing import FEED_SIZE, FeedSource, ItemFeed
from knowledgehub.knowledge.registry import kind_label
from knowledgehub.lib.pagination import paginate
from knowledgehub.organisations.models import Organisation
from knowledgehub.people.models import User

from .forms import SavedSearchEditForm, SaveSearchForm, SearchForm, querydict_for
from .models import SavedSearch


def _service() -> Any:
    """The search service, imported when first used (it needs the app registry ready)."""
    from . import service

    return service


PER_PAGE = 20
GROUP_SIZE = 5
MAX_SAVED = 50


def _clean_querystring(form: SearchForm) -> str:
    """The normalised query string of a valid search (for links, feeds and saving)."""
    return querydict_for(form.cleaned_data.get("q") or "", form.stored_filters()).urlencode()


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page") or "1"
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def marked_html(fragment: str) -> SafeString:
    """A snippet or title from the service as safe HTML. The service already builds them from
    escaped text with only ``<mark>`` added; cleaning again here (keeping ``<mark>`` and nothing
    else, no attributes) means a mistake there can never put markup on the page."""
    return mark_safe(nh3.clean(str(fragment or ""), tags={"mark"}, attributes={}))  # noqa: S308


def _facet(results: Any, name: str) -> list[tuple[Any, str, int]]:
    facets = getattr(results, "facets", None) or {}
    return [(str(v), str(label), int(n)) for v, label, n in facets.get(name, [])]


def _options(
    facets: list[tuple[str, str, int]], selected: str, extra_label: str = ""
) -> list[tuple[str, str, int | None, bool]]:
    """(value, label, count, selected) for a filter; the selected value is kept even when it has
    no matches (its count is then unknown to the facets, so shown as none)."""
    options: list[tuple[str, str, int | None, bool]] = [
        (value, label, count, value == selected) for value, label, count in facets
    ]
    if selected and not any(o[0] == selected for o in options) and extra_label:
        options.insert(0, (selected, extra_label, 0, True))
    return options


def _regions() -> list[str]:
    return list(
        Organisation.objects.exclude(region="")
        .order_by("region")
        .values_list("region", flat=True)
        .distinct()
    )


@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET, viewer=request.user)
    results = None
    paged = None
    hits: list[dict[str, Any]] = []
    directory: dict[str, list[Any]] = {}
    querystring = ""
    status = 200
    searched = bool(request.GET.get("q", "").strip()) or any(
        request.GET.get(k)
        for k in ("kind", "community", "organisation", "region", "author", "tag", "from", "to")
    )
    if not form.is_valid():
        status = 400 if searched else 200
    elif searched:
        q = form.cleaned_data["q"]
        kwargs = form.search_kwargs()
        page = _page_number(request)
        results = _service().search(request.user, q, page=page, per_page=PER_PAGE, **kwargs)
        # The service clamps a page past the end to the last one; so does ``paginate``.
        paged = paginate(request, range(results.total), PER_PAGE) if results.total else None
        hits = [
            {
                "item": hit.item,
                "title_html": marked_html(getattr(hit, "title_html", "")),
                "snippet_html": marked_html(hit.snippet_html),
            }
            for hit in results.hits
        ]
        # People, communities and organisations by name (page 1 only), each through its own
        # door inside the service.
        directory = {
            "people": getattr(results, "people", []),
            "communities": getattr(results, "communities", []),
            "organisations": getattr(results, "organisations", []),
        }
        querystring = _clean_querystring(form)
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    selected_kinds = [str(k) for k in data.get("kind") or []]
    kind_counts = {value: count for value, _label, count in _facet(results, "kind")}
    kind_options = [
        (value, label, kind_counts.get(value, 0), value in selected_kinds)
        for value, label in form.fields["kind"].choices  # type: ignore[attr-defined]
    ]
    community_id = data.get("community")
    community_label = ""
    if community_id:
        found = Community.objects.visible_to(request.user).filter(pk=community_id).first()
        community_label = found.name if found else ""
    organisation_id = data.get("organisation")
    organisation_label = ""
    if organisation_id:
        org = Organisation.objects.filter(pk=organisation_id).first()
        organisation_label = org.name if org else ""
    context = {
        "form": form,
        "results": results,
        "hits": hits,
        "paged": paged,
        "directory": directory,
        "searched": searched,
        "querystring": querystring,
        "kind_options": kind_options,
        "community_options": _options(
            _facet(results, "community"), str(community_id or ""), community_label
        ),
        "organisation_options": _options(
            _facet(results, "organisation"), str(organisation_id or ""), organisation_label
        ),
        "selected_region": data.get("region") or "",
        "values": {
            "q": request.GET.get("q", "")[:500],
            "author": request.GET.get("author", "")[:200],
            "tag": request.GET.get("tag", "")[:200],
            "from": request.GET.get("from", "")[:50],
            "to": request.GET.get("to", "")[:50],
        },
        "sort": data.get("sort") or "relevance",
        "regions": _regions(),
        "save_form": SaveSearchForm(initial={"querystring": querystring, "name": data.get("q")})
        if request.user.is_authenticated and querystring
        else None,
        "feed_url": f"/search/feed.atom?{querystring}" if querystring else "",
    }
    return render(request, "search/results.html", context, status=status)


_SUGGESTION_KINDS = {
    "person": gettext_lazy("Person"),
    "community": gettext_lazy("Community"),
    "organisation": gettext_lazy("Organisation"),
}


@require_safe
def suggest(request: HttpRequest) -> HttpResponse:
    prefix = " ".join(request.GET.get("q", "").split())[:100]
    found = _service().suggest(request.user, prefix) if len(prefix) >= 2 else []
    suggestions = [
        {
            "label": s.label,
            "url": s.url,
            "kind": _SUGGESTION_KINDS.get(s.kind) or kind_label(s.kind),
        }
        for s in found
    ]
    context = {"suggestions": suggestions, "prefix": prefix}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "search/_suggestions.html", context)
    return render(request, "search/suggest.html", context)


# --- Atom feeds -------------------------------------------------------------------------------


class SearchFeed(ItemFeed):
    """A search as Atom: the newest matches first."""

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FeedSource:
        return request.search_source  # type: ignore[attr-defined]


search_atom = SearchFeed()


def _feed_source(viewer: Any, form: SearchForm, *, title: str, feed_path: str) -> FeedSource:
    kwargs = form.search_kwargs()
    kwargs["sort"] = "date"
    q = form.cleaned_data["q"]
    results = _service().search(viewer, q, page=1, per_page=FEED_SIZE, **kwargs)
    return FeedSource(
        title=title,
        link=f"/search/?{_clean_querystring(form)}",
        description=title,
        items=[hit.item for hit in results.hits],
        feed_path=feed_path,
    )


def _form_errors(form: SearchForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_safe
def search_feed(request: HttpRequest) -> HttpResponse:
    """The Atom feed of a search, as an anonymous visitor would see it, whoever fetches it."""
    anonymous = AnonymousUser()
    form = SearchForm(request.GET, viewer=anonymous)
    if not form.is_valid():
        return HttpResponseBadRequest(_form_errors(form), content_type="text/plain; charset=utf-8")
    q = form.cleaned_data["q"]
    title = (
        _("Search for “%(q)s” (%(site)s)") % {"q": q, "site": settings.SITE_NAME}
        if q
        else _("Search (%(site)s)") % {"site": settings.SITE_NAME}
    )
    request.search_source = _feed_source(  # type: ignore[attr-defined]
        anonymous, form, title=title, feed_path="/search/feed"
    )
    return search_atom(request)


@require_safe
def saved_feed(request: HttpRequest, pk: int) -> HttpResponse:
    """A saved search's private feed: ``?token=`` is the owner's FeedToken; read with the
    owner's visibility now, so leaving a community removes its items at once."""
    token = request.GET.get("token", "")
    feed_token = (
        FeedToken.objects.select_related("user").filter(token=token).first() if token else None
    )
    if feed_token is None or not feed_token.user.is_active:
        raise Http404
    saved = get_object_or_404(SavedSearch, pk=pk, user=feed_token.user)
    owner = feed_token.user
    form = SearchForm(querydict_for(saved.query, saved.filters), viewer=owner)
    if not form.is_valid():
        raise Http404
    title = _("%(name)s (%(site)s)") % {"name": saved.name, "site": settings.SITE_NAME}
    request.search_source = _feed_source(  # type: ignore[attr-defined]
        owner, form, title=title, feed_path=f"/search/saved/{saved.pk}/feed"
    )
    return search_atom(request)


# --- saved searches ---------------------------------------------------------------------------


def _owner(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@require_safe
def saved_list(request: HttpRequest) -> HttpResponse:
    user = _owner(request)
    saved = list(SavedSearch.objects.filter(user=user).order_by("name", "pk"))
    feed_token = FeedToken.objects.filter(user=user).first()
    for s in saved:
        s.feed_url = (  # type: ignore[attr-defined]
            f"/search/saved/{s.pk}/feed.atom?{urlencode({'token': feed_token.token})}"
            if feed_token
            else ""
        )
    return render(request, "search/saved_list.html", {"saved": saved, "has_token": feed_token})


@login_required
@require_POST
def saved_create(request: HttpRequest) -> HttpResponse:
    user = _owner(request)
    form = SaveSearchForm(request.POST)
    search_form = SearchForm(QueryDict(request.POST.get("querystring", "")[:2000]), viewer=user)
    if form.is_valid() and not search_form.is_valid():
        form.add_error(None, _("This search cannot be saved: ") + _form_errors(search_form))
    if form.is_valid() and SavedSearch.objects.filter(user=user).count() >= MAX_SAVED:
        form.add_error(
            None,
            _("You can save up to %(n)d searches. Delete one you no longer need first.")
            % {"n": MAX_SAVED},
        )
    if not form.is_valid():
        return render(
            request,
            "search/saved_new.html",
            {"form": form, "querystring": request.POST.get("querystring", "")},
            status=400,
        )
    q = search_form.cleaned_data["q"]
    filters = search_form.stored_filters()
    if not q:
        form.add_error(None, _("Enter some words to search for before saving the search"))
        return render(request, "search/saved_new.html", {"form": form}, status=400)
    saved = SavedSearch.objects.create(
        user=user,
        name=form.cleaned_data["name"],
        query=q,
        filters=filters,
        alert=form.cleaned_data["alert"],
    )
    messages.success(request, _("Your search “%(name)s” has been saved.") % {"name": saved.name})
    return redirect("search:saved")


@login_required
@require_http_methods(["GET", "POST"])
def saved_edit(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedSearch, pk=pk, user=_owner(request))
    form = SavedSearchEditForm(request.POST or None, instance=saved)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your saved search has been updated."))
        return redirect("search:saved")
    return render(
        request,
        "search/saved_edit.html",
        {"form": form, "saved": saved},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def saved_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedSearch, pk=pk, user=_owner(request))
    if request.method == "POST":
        name = saved.name
        saved.delete()
        messages.success(request, _("“%(name)s” has been deleted.") % {"name": name})
        return redirect("search:saved")
    return render(request, "search/saved_delete.html", {"saved": saved})
