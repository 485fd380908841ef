from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.models import Item, Tag
from knowledgehub.knowledge.registry import unauthored_kinds
from knowledgehub.lib.pagination import paginate
from knowledgehub.organisations.models import Organisation

from .forms import ProfileForm
from .models import User
from .services import profile_update


@require_safe
def directory(request: HttpRequest) -> HttpResponse:
    people = User.objects.visible_to(request.user).select_related("organisation")
    q = request.GET.get("q", "").strip()[:100]
    organisation_code = request.GET.get("organisation", "").strip()
    region = request.GET.get("region", "").strip()
    interest = request.GET.get("interest", "").strip()
    skill = request.GET.get("skill", "").strip()
    if q:
        people = people.filter(name__icontains=q) | people.filter(username__icontains=q)
    if organisation_code:
        people = people.filter(organisation__code=organisation_code)
    if region:
        people = people.filter(organisation__region=region)
    if interest:
        people = people.filter(interests__slug=interest)
    if skill:
        people = people.filter(skills__slug=skill)
    if interest or skill:
        # Only a join through a many-to-many can repeat a row; DISTINCT over every column is
        # costly at scale, so the unfiltered directory does without it.
        people = people.distinct()
    people = people.order_by("name", "username").prefetch_related("interests")
    regions = (
        Organisation.objects.exclude(region="")
        .order_by("region")
        .values_list("region", flat=True)
        .distinct()
    )
    # Filter choices come only from profiles this viewer may see. EXISTS stops at the first such
    # profile for each choice (an index probe) instead of joining every profile and de-duplicating.
    visible = User.objects.visible_to(request.user)
    organisations = (
        Organisation.objects.filter(Exists(visible.filter(organisation=OuterRef("pk"))))
        .order_by("name")
        .values_list("code", "name", named=True)
    )
    tags = Tag.objects.values_list("slug", "name", named=True)
    popular_interests = tags.filter(Exists(visible.filter(interests=OuterRef("pk"))))[:200]
    popular_skills = tags.filter(Exists(visible.filter(skills=OuterRef("pk"))))[:200]
    return render(
        request,
        "people/directory.html",
        {
            "paged": paginate(request, people, settings.KH_PAGE_SIZE),
            "q": q,
            "organisation_code": organisation_code,
            "region": region,
            "interest": interest,
            "skill": skill,
            "regions": list(regions),
            "organisations": organisations,
            "interests": popular_interests,
            "skills": popular_skills,
        },
    )


@require_safe
def person_detail(request: HttpRequest, username: str) -> HttpResponse:
    person = (
        User.objects.visible_to(request.user)
        .select_related("organisation")
        .prefetch_related("interests", "skills")
        .filter(username=username)
        .first()
    )
    if person is None:
        raise Http404
    communities = Community.objects.visible_to(request.user).filter(memberships__user=person)
    items = (
        Item.objects.visible_to(request.user)
        .filter(author=person)
        .exclude(kind__in=unauthored_kinds())
        .select_related("author", "community")
        .order_by("-published_at")[:10]
    )
    return render(
        request,
        "people/detail.html",
        {"person": person, "communities": communities, "items": items},
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=user)
    if request.method == "POST" and form.is_valid():
        profile_update(user=user, data=dict(form.cleaned_data))
        messages.success(request, _("Your profile has been updated."))
        return redirect(user)
    if request.method == "POST":
        # ModelForm validation writes cleaned values onto the instance; never keep them.
        user.refresh_from_db()
    return render(request, "people/edit.html", {"form": form})
