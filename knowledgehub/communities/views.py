from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from knowledgehub.knowledge.models import Item
from knowledgehub.lib.pagination import paginate
from knowledgehub.people.models import User

from . import services
from .choices import InvitationStatus, RequestStatus, Role, Visibility
from .forms import CommunityForm, InviteForm, JoinRequestForm
from .models import Community, Invitation, JoinRequest, Membership

MEMBERS_ON_HOME = 12


def _community(request: HttpRequest, slug: str) -> Community:
    """The community if the viewer may know it exists; a 404 otherwise (secret communities)."""
    return get_object_or_404(Community.objects.visible_to(request.user), slug=slug)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_safe
def community_list(request: HttpRequest) -> HttpResponse:
    qs = Community.objects.visible_to(request.user).annotate(member_count=Count("memberships"))
    q = request.GET.get("q", "").strip()[:100]
    visibility = request.GET.get("visibility", "")
    mine = request.GET.get("mine") == "1" and request.user.is_authenticated
    if q:
        qs = qs.filter(name__icontains=q)
    if visibility in Visibility.values:
        qs = qs.filter(visibility=visibility)
    if mine and isinstance(request.user, User):
        qs = qs.filter(memberships__user=request.user)
    paged = paginate(request, qs.order_by("name"), settings.KH_PAGE_SIZE)
    if request.user.is_authenticated:
        ids = [c.pk for c in paged.object_list]
        roles = dict(
            Membership.objects.filter(user=request.user, community_id__in=ids).values_list(
                "community_id", "role"
            )
        )
        for community in paged.object_list:
            role = roles.get(community.pk)
            community.my_role = Role(role).label.lower() if role else ""
    return render(
        request,
        "communities/list.html",
        {
            "paged": paged,
            "q": q,
            "visibility": visibility,
            "mine": mine,
            "visibilities": Visibility.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def community_create_view(request: HttpRequest) -> HttpResponse:
    form = CommunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_create(creator=_user(request), **form.cleaned_data)
        except services.CommunityError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, _("Your community has been created. Invite some people."))
            return redirect(community)
    return render(request, "communities/create.html", {"form": form})


def _detail_context(request: HttpRequest, community: Community) -> dict[str, object]:
    membership = services.membership_for(request.user, community)
    can_see_members = community.visibility in (Visibility.OPEN, Visibility.RESTRICTED) or bool(
        membership or request.user.is_superuser
    )
    members = (
        community.memberships.select_related("user").order_by("role", "user__name")[
            :MEMBERS_ON_HOME
        ]
        if can_see_members
        else []
    )
    context: dict[str, object] = {
        "community": community,
        "membership": membership,
        "can_manage": bool(membership and membership.can_manage),
        "member_count": community.memberships.count(),
        "members": members,
        "can_see_members": can_see_members,
        "items": Item.objects.visible_to(request.user)
        .filter(community=community)
        .select_related("author")
        .order_by("-published_at", "-id")[:20],
        "pending_request": request.user.is_authenticated
        and JoinRequest.objects.filter(
            community=community, user_id=request.user.pk, status=RequestStatus.PENDING
        ).exists(),
    }
    if membership and membership.can_manage:
        context["join_requests"] = community.join_requests.filter(
            status=RequestStatus.PENDING
        ).select_related("user")
        context["invitations"] = community.invitations.filter(
            status=InvitationStatus.PENDING
        ).select_related("invited_by")
        context["invite_form"] = InviteForm()
    return context


@require_safe
def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    return render(request, "communities/detail.html", _detail_context(request, community))


def _membership_panel(request: HttpRequest, community: Community) -> HttpResponse:
    """After join/leave: the panel for htmx, or a redirect to the page without JavaScript."""
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request, "communities/_membership_panel.html", _detail_context(request, community)
        )
    return redirect(community)


@login_required
@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    if community.visibility == Visibility.RESTRICTED:
        return redirect("communities:request", slug=community.slug)
    try:
        services.community_join(user=_user(request), community=community)
        messages.success(request, _("You have joined %(name)s.") % {"name": community.name})
    except services.CommunityError as exc:
        messages.error(request, str(exc))
    return _membership_panel(request, community)


@login_required
@require_POST
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    try:
        services.community_leave(user=_user(request), community=community)
        messages.success(request, _("You have left %(name)s.") % {"name": community.name})
    except services.CommunityError as exc:
        messages.error(request, str(exc))
    if community.visibility == Visibility.SECRET and not services.membership_for(
        request.user, community
    ):
        # The community no longer exists for this person.
        if request.htmx:  # type: ignore[attr-defined]
            response = HttpResponse(status=204)
            response["HX-Redirect"] = "/communities/"
            return response
        return redirect("communities:list")
    return _membership_panel(request, community)


@login_required
@require_http_methods(["GET", "POST"])
def request_to_join(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    if community.visibility != Visibility.RESTRICTED:
        return redirect(community)
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.join_request_create(
                user=_user(request), community=community, message=form.cleaned_data["message"]
            )
            messages.success(
                request, _("Your request has been sent. A facilitator will decide soon.")
            )
            return redirect(community)
        except services.CommunityError as exc:
            messages.error(request, str(exc))
            return redirect(community)
    return render(request, "communities/request.html", {"community": community, "form": form})


@require_safe
def members(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    context = _detail_context(request, community)
    if not context["can_see_members"]:
        raise Http404
    qs = community.memberships.select_related("user", "user__organisation").order_by(
        "role", "user__name", "user__username"
    )
    context["paged"] = paginate(request, qs, 50)
    context["roles"] = [
        (Role.FACILITATOR, Role.FACILITATOR.label),
        (Role.MEMBER, Role.MEMBER.label),
    ]
    return render(request, "communities/members.html", context)


@login_required
@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_create(
                actor=_user(request), community=community, email=form.cleaned_data["email"]
            )
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect(community)
        except services.CommunityError as exc:
            form.add_error("email", str(exc))
    context = _detail_context(request, community)
    if not context["can_manage"]:
        raise Http404
    context["invite_form"] = form
    return render(request, "communities/detail.html", context, status=400)


@login_required
@require_POST
def revoke_invitation(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    invitation = get_object_or_404(Invitation, pk=pk, community=community)
    try:
        services.invitation_revoke(actor=_user(request), invitation=invitation)
        messages.success(request, _("Invitation withdrawn."))
    except services.CommunityError as exc:
        messages.error(request, str(exc))
    return redirect(community)


@login_required
@require_POST
def decide_request(request: HttpRequest, slug: str, pk: int, decision: str) -> HttpResponse:
    community = _community(request, slug)
    join_request = get_object_or_404(JoinRequest, pk=pk, community=community)
    if decision not in ("approve", "reject"):
        raise Http404
    try:
        services.join_request_decide(
            actor=_user(request), join_request=join_request, approve=decision == "approve"
        )
        messages.success(
            request,
            (_("%(name)s is now a member.") if decision == "approve" else _("Request declined."))
            % {"name": join_request.user.display_name},
        )
    except services.CommunityError as exc:
        messages.error(request, str(exc))
    return redirect(community)


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation.objects.select_related("community", "invited_by"), token=token
    )
    if request.method == "POST":
        accept = request.POST.get("response") == "accept"
        try:
            services.invitation_respond(user=_user(request), invitation=invitation, accept=accept)
        except services.CommunityError as exc:
            messages.error(request, str(exc))
            return redirect("communities:invitation", token=token)
        if accept:
            messages.success(
                request, _("Welcome to %(name)s.") % {"name": invitation.community.name}
            )
            return redirect(invitation.community)
        messages.success(request, _("You have declined the invitation."))
        return redirect("core:home")
    return render(request, "communities/invitation.html", {"invitation": invitation})


def _member(community: Community, user_id: int) -> User:
    membership = get_object_or_404(
        Membership.objects.select_related("user"), community=community, user_id=user_id
    )
    return membership.user


@login_required
@require_POST
def remove_member(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    community = _community(request, slug)
    member = _member(community, user_id)
    try:
        services.member_remove(actor=_user(request), community=community, member=member)
        messages.success(request, _("%(name)s has been removed.") % {"name": member.display_name})
    except services.CommunityError as exc:
        messages.error(request, str(exc))
    return redirect("communities:members", slug=community.slug)


@login_required
@require_POST
def set_role(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    community = _community(request, slug)
    member = _member(community, user_id)
    try:
        services.member_set_role(
            actor=_user(request),
            community=community,
            member=member,
            role=request.POST.get("role", ""),
        )
        messages.success(request, _("Role updated."))
    except services.CommunityError as exc:
        messages.error(request, str(exc))
    return redirect("communities:members", slug=community.slug)


@login_required
@require_POST
def transfer(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    try:
        user_id = int(request.POST.get("user_id", ""))
    except ValueError:
        messages.error(request, _("Choose the member who will become the owner."))
        return redirect("communities:members", slug=community.slug)
    member = _member(community, user_id)
    try:
        services.ownership_transfer(actor=_user(request), community=community, new_owner=member)
        messages.success(request, _("%(name)s is now the owner.") % {"name": member.display_name})
    except services.CommunityError as exc:
        messages.error(request, str(exc))
    return redirect("communities:members", slug=community.slug)
