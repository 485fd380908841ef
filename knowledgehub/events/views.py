from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from knowledgehub.communities.access import (
    CommunityAccess,
    community_for,
    default_audience,
    require_member,
)
from knowledgehub.knowledge.visibility import can_view
from knowledgehub.lib.pagination import paginate
from knowledgehub.people.models import User

from . import ics
from .choices import RsvpStatus
from .forms import EventForm, RsvpForm
from .models import Event, Rsvp
from .services import EventFull, event_create, event_delete, event_update, rsvp_set


def _visible_events(request: HttpRequest, access: CommunityAccess) -> QuerySet[Event]:
    """The community's events whose index entries the viewer may see (the one visibility rule)."""
    return Event.visible_to(request.user).filter(community=access.community)


def _event_for(request: HttpRequest, access: CommunityAccess, pk: int) -> Event:
    event = get_object_or_404(
        Event.objects.select_related("organiser", "community"), pk=pk, community=access.community
    )
    item = event.knowledge_item
    if item is None or not can_view(request.user, item):
        raise Http404
    return event


def _can_change(request: HttpRequest, access: CommunityAccess, event: Event) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    # The organiser may change it only while still a member: leaving revokes that at once.
    is_organiser = access.is_member and event.organiser_id == user.pk
    return bool(user.is_superuser or access.can_manage or is_organiser)


@require_safe
def event_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for(request, slug)
    now = timezone.now()
    qs = (
        _visible_events(request, access)
        .select_related("community")
        .annotate(
            is_past=Case(
                When(end__lt=now, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
            upcoming_start=Case(When(end__gte=now, then=F("start")), default=None),
        )
        .order_by("is_past", "upcoming_start", "-start", "pk")
    )
    paged = paginate(request, qs, settings.KH_PAGE_SIZE)
    return render(
        request,
        "events/list.html",
        {"access": access, "community": access.community, "paged": paged},
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for(request, slug)
    require_member(access)
    user = request.user
    assert isinstance(user, User)
    form = EventForm(request.POST or None, initial={"audience": default_audience(access.community)})
    if request.method == "POST" and form.is_valid():
        event = event_create(community=access.community, organiser=user, **form.cleaned_data)
        messages.success(request, _("Your event has been published."))
        return redirect(event)
    return render(
        request,
        "events/form.html",
        {"access": access, "community": access.community, "form": form, "event": None},
    )


@require_safe
def event_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for(request, slug)
    event = _event_for(request, access, pk)
    my_rsvp = (
        Rsvp.objects.filter(event=event, user_id=request.user.pk).first()
        if request.user.is_authenticated
        else None
    )
    going = event.going_count()
    places_left = None if event.capacity is None else max(event.capacity - going, 0)
    return render(
        request,
        "events/detail.html",
        {
            "access": access,
            "community": access.community,
            "event": event,
            "my_rsvp": my_rsvp,
            "going": going,
            "places_left": places_left,
            "can_change": _can_change(request, access, event),
            "statuses": RsvpStatus,
            "tags": event.tags.all(),
            "item": event.knowledge_item,
        },
    )


@login_required
@require_POST
def event_rsvp(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for(request, slug)
    event = _event_for(request, access, pk)
    user = request.user
    assert isinstance(user, User)
    form = RsvpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether you are going"))
        return redirect(event)
    status = form.cleaned_data["status"]
    if event.end < timezone.now():
        messages.error(request, _("This event has finished"))
        return redirect(event)
    try:
        rsvp_set(event=event, user=user, status=status)
    except EventFull:
        messages.error(
            request, _("Sorry, this event is full. There are no places left, so you are not going.")
        )
        return redirect(event)
    if status == RsvpStatus.GOING:
        messages.success(request, _("You are going to this event."))
    else:
        messages.success(request, _("You are not going to this event."))
    return redirect(event)


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for(request, slug)
    event = _event_for(request, access, pk)
    if not _can_change(request, access, event):
        raise PermissionDenied(_("Only the organiser or a facilitator can change this event."))
    user = request.user
    assert isinstance(user, User)
    form = EventForm(request.POST or None, initial=EventForm.initial_for(event))
    if request.method == "POST" and form.is_valid():
        event_update(event=event, editor=user, **form.cleaned_data)
        messages.success(request, _("The event has been updated."))
        return redirect(event)
    return render(
        request,
        "events/form.html",
        {"access": access, "community": access.community, "form": form, "event": event},
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_delete_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for(request, slug)
    event = _event_for(request, access, pk)
    if not _can_change(request, access, event):
        raise PermissionDenied(_("Only the organiser or a facilitator can delete this event."))
    if request.method == "POST":
        event_delete(event=event)
        messages.success(request, _("The event has been deleted."))
        return redirect("events:list", slug=access.community.slug)
    return render(
        request,
        "events/delete.html",
        {"access": access, "community": access.community, "event": event},
    )


def _ics_response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body.encode("utf-8"), content_type=ics.CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
def event_ics(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for(request, slug)
    event = _event_for(request, access, pk)
    return _ics_response(ics.calendar([event], request.build_absolute_uri), f"event-{pk}.ics")


@require_safe
def community_ics(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for(request, slug)
    events = _visible_events(request, access).select_related("community").order_by("start")
    body = ics.calendar(events, request.build_absolute_uri, name=access.community.name)
    return _ics_response(body, f"{access.community.slug}-events.ics")
