"""Pages for incoming feeds at /feeds/: the follows a person may see with each feed's health,
following and stopping, a feed's page, a feed item's page, and OPML import and export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.visibility import can_view
from knowledgehub.lib.markdown import sanitise_html
from knowledgehub.people.models import User

from .choices import JobStatus, Scope, SourceStatus
from .forms import OpmlImportForm, SubscribeForm
from .models import FeedItem, FeedSource, OpmlImport, Subscription
from .opml import build_opml
from .services import (
    MAX_POLL_MINUTES,
    MIN_POLL_MINUTES,
    ChooseFeed,
    NotAllowed,
    SubscribeError,
    check_now,
    may_manage,
    may_tune,
    scope_label,
    set_poll_interval,
    sources_of,
    subscribe,
    unsubscribe,
    visible_subscriptions,
)

RECENT_ENTRIES = 30


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def health(source: FeedSource) -> dict[str, Any]:
    """A feed's health in plain words for the templates."""
    if source.is_demo:
        state, tag = _("Demo feed: not polled"), "grey"
    elif source.status == SourceStatus.GONE:
        state, tag = _("Gone: the site says this feed no longer exists"), "red"
    elif source.status == SourceStatus.PAUSED:
        state, tag = _("Paused: nobody follows it"), "grey"
    elif source.last_polled_at is None:
        state, tag = _("Waiting for the first check"), "blue"
    elif source.consecutive_failures:
        state, tag = _("Having problems"), "orange"
    else:
        state, tag = _("Working"), "green"
    return {
        "state": state,
        "tag": tag,
        "polling": source.status == SourceStatus.ACTIVE and not source.is_demo,
        "running": source.progress_total > source.progress_done
        or (
            source.status == SourceStatus.ACTIVE
            and not source.is_demo
            and source.last_polled_at is None
        ),
    }


def _rows(subscriptions: list[Subscription], viewer: Any) -> list[dict[str, Any]]:
    return [
        {
            "subscription": s,
            "source": s.source,
            "health": health(s.source),
            "where": scope_label(s),
            "can_manage": may_manage(viewer, s),
        }
        for s in subscriptions
    ]


@require_safe
def feed_list(request: HttpRequest) -> HttpResponse:
    """Follows the viewer may see, grouped: the whole site, each of their communities, theirs."""
    qs = visible_subscriptions(request.user).select_related("source", "community")
    community: Community | None = None
    slug = request.GET.get("community", "")
    if slug:
        community = get_object_or_404(Community.objects.visible_to(request.user), slug=slug)
        qs = qs.filter(scope=Scope.COMMUNITY, community=community)
    subscriptions = list(qs.order_by("scope", "community__name", "source__title", "pk"))
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    site = [s for s in subscriptions if s.scope == Scope.SITE]
    if site:
        groups.append((_("For the whole site"), _rows(site, request.user)))
    by_community: dict[int, list[Subscription]] = {}
    for s in subscriptions:
        if s.scope == Scope.COMMUNITY and s.community_id is not None:
            by_community.setdefault(s.community_id, []).append(s)
    for items in by_community.values():
        name = items[0].community.name if items[0].community else ""
        groups.append((_("For %(name)s") % {"name": name}, _rows(items, request.user)))
    mine = [s for s in subscriptions if s.scope == Scope.PRIVATE]
    if mine:
        groups.append((_("Just for you"), _rows(mine, request.user)))
    form = SubscribeForm(user=_user(request)) if request.user.is_authenticated else None
    return render(
        request,
        "aggregator/list.html",
        {"groups": groups, "form": form, "community": community},
    )


@login_required
@require_http_methods(["GET", "POST"])
def subscribe_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = SubscribeForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            scope, community = form.target()
            subscription = subscribe(
                actor=user, url=form.cleaned_data["url"], scope=scope, community=community
            )
        except ChooseFeed as exc:
            return render(
                request,
                "aggregator/choose.html",
                {
                    "candidates": exc.candidates,
                    "where": form.cleaned_data["where"],
                    "page_url": form.cleaned_data["url"],
                },
            )
        except NotAllowed as exc:
            form.add_error("where", exc.message)
        except SubscribeError as exc:
            form.add_error("url", exc.message)
        else:
            messages.success(
                request,
                _("Feed added. We will fetch its entries in a moment (%(where)s).")
                % {"where": scope_label(subscription)},
            )
            return redirect(subscription.source)
    return render(request, "aggregator/subscribe.html", {"form": form})


def _source_for(request: HttpRequest, pk: int) -> FeedSource:
    """A feed's page exists for those who may see at least one follow of it."""
    source = get_object_or_404(FeedSource, pk=pk)
    if not visible_subscriptions(request.user).filter(source=source).exists():
        raise Http404
    return source


@require_safe
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source_for(request, pk)
    subscriptions = list(
        visible_subscriptions(request.user)
        .filter(source=source)
        .select_related("source", "community")
        .order_by("scope", "pk")
    )
    placements = (
        FeedItem.visible_to(request.user)
        .filter(subscription__source=source)
        .select_related("entry")
        .order_by("-entry__published_at", "-entry_id", "pk")[: RECENT_ENTRIES * 4]
    )
    entries: list[FeedItem] = []
    seen: set[int] = set()
    for placement in placements:
        if placement.entry_id not in seen:
            seen.add(placement.entry_id)
            entries.append(placement)
        if len(entries) >= RECENT_ENTRIES:
            break
    return render(
        request,
        "aggregator/source.html",
        {
            "source": source,
            "health": health(source),
            "rows": _rows(subscriptions, request.user),
            "entries": entries,
            "may_tune": may_tune(request.user, source),
            "min_minutes": MIN_POLL_MINUTES,
            "max_minutes": MAX_POLL_MINUTES,
        },
    )


@login_required
@require_http_methods(["POST"])
def source_interval(request: HttpRequest, pk: int) -> HttpResponse:
    """Change how often a feed is checked (its page shows the form to those who may)."""
    source = _source_for(request, pk)
    try:
        minutes = int(request.POST.get("minutes", ""))
    except ValueError:
        messages.error(request, _("Enter how often to check the feed, in minutes, as a number"))
        return redirect(source)
    try:
        set_poll_interval(actor=_user(request), source=source, minutes=minutes)
        messages.success(
            request, _("The feed will be checked every %(n)d minutes.") % {"n": minutes}
        )
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from None
    except SubscribeError as exc:
        messages.error(request, str(exc))
    return redirect(source)


@login_required
@require_http_methods(["POST"])
def source_check_now(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source_for(request, pk)
    try:
        check_now(actor=_user(request), source=source)
        messages.success(request, _("The feed will be checked in a moment."))
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from None
    except SubscribeError as exc:
        messages.error(request, str(exc))
    return redirect(source)


@require_safe
def source_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel, for htmx to poll; once the work is done the page reloads itself."""
    source = _source_for(request, pk)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect(source)
    state = health(source)
    response = render(
        request, "aggregator/_source_progress.html", {"source": source, "health": state}
    )
    if not state["running"]:
        response["HX-Refresh"] = "true"
    return response


def _subscription_for(request: HttpRequest, pk: int) -> Subscription:
    subscription = get_object_or_404(
        visible_subscriptions(request.user).select_related("source", "community"), pk=pk
    )
    if not may_manage(request.user, subscription):
        raise PermissionDenied(_("You cannot stop this feed."))
    return subscription


@login_required
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = _subscription_for(request, pk)
    if request.method == "POST":
        source = subscription.source
        where = scope_label(subscription)
        unsubscribe(actor=_user(request), subscription=subscription)
        messages.success(
            request,
            _("%(feed)s is no longer followed (%(where)s). Its entries have been removed.")
            % {"feed": source.display_title, "where": where},
        )
        return redirect("aggregator:list")
    return render(
        request,
        "aggregator/unsubscribe.html",
        {
            "subscription": subscription,
            "source": subscription.source,
            "where": scope_label(subscription),
        },
    )


@require_safe
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    placement = get_object_or_404(
        FeedItem.objects.select_related("entry", "entry__source", "subscription__community"),
        pk=pk,
    )
    item = placement.knowledge_item
    if item is None or not can_view(request.user, item):
        raise Http404
    entry = placement.entry
    source = entry.source
    link = entry.link if entry.link.lower().startswith(("http://", "https://")) else ""
    return render(
        request,
        "aggregator/item.html",
        {
            "placement": placement,
            "entry": entry,
            "source": source,
            "item": item,
            "summary_html": sanitise_html(entry.summary_html),
            "link": link,
            "source_visible": visible_subscriptions(request.user).filter(source=source).exists(),
            "community": placement.subscription.community,
        },
    )


@require_safe
def opml_export(request: HttpRequest) -> HttpResponse:
    subscriptions = (
        visible_subscriptions(request.user)
        .select_related("source")
        .order_by("source__title", "source__url", "pk")
    )
    body = build_opml(sources_of(subscriptions), title=_("Feeds followed on Knowledge Hub"))
    response = HttpResponse(body, content_type="text/x-opml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="knowledge-hub-feeds.opml"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def opml_import(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = OpmlImportForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            scope, community = form.target()
        except SubscribeError as exc:
            form.add_error("where", exc.message)
        else:
            parsed = form.cleaned_data["file"]
            job = OpmlImport.objects.create(
                created_by=user,
                scope=scope,
                community=community,
                outlines=[{"url": o.url, "title": o.title} for o in parsed.outlines],
                total=len(parsed.outlines),
            )
            if parsed.skipped:
                messages.warning(
                    request,
                    _("Only the first %(n)s feeds in the file will be added.")
                    % {"n": len(parsed.outlines)},
                )
            job_id = job.pk
            transaction.on_commit(lambda: _enqueue_import(job_id))
            return redirect("aggregator:opml_job", pk=job.pk)
    return render(request, "aggregator/opml_import.html", {"form": form})


def _enqueue_import(job_id: int) -> None:
    from .opml_tasks import process_opml_import

    process_opml_import(job_id)


def _job_for(request: HttpRequest, pk: int) -> OpmlImport:
    return get_object_or_404(
        OpmlImport.objects.select_related("community"), pk=pk, created_by_id=request.user.pk
    )


def _job_context(job: OpmlImport) -> dict[str, Any]:
    finished = job.status in (JobStatus.DONE, JobStatus.FAILED)
    already = max(job.done - job.added - len(job.failed), 0)
    return {
        "job": job,
        "finished": finished,
        "already": already,
        "where": (
            job.community.name
            if job.scope == Scope.COMMUNITY and job.community
            else (_("The whole site") if job.scope == Scope.SITE else _("Just you"))
        ),
        "progress_url": reverse("aggregator:opml_progress", kwargs={"pk": job.pk}),
    }


@login_required
@require_safe
def opml_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    return render(request, "aggregator/opml_job.html", _job_context(job))


@login_required
@require_safe
def opml_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("aggregator:opml_job", pk=job.pk)
    context = _job_context(job)
    response = render(request, "aggregator/_opml_progress.html", context)
    if context["finished"]:
        response["HX-Refresh"] = "true"
    return response
