"""Managing who shares what: benchmarking clubs (custom comparison groups whose councils share
figures among themselves) and the people confirmed to speak for a council's figures.

Data stewards (``benchmarks.import_values``) create and edit clubs and confirm contributors
(club membership decides who sees club figures, so it is a steward's decision). Confirming a
contributor is deliberate: it lets that person enter the council's figures and see what the
council's clubs share, which a self-declared profile organisation never does.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_http_methods

from knowledgehub.communities.models import Community
from knowledgehub.organisations.models import Organisation
from knowledgehub.people.models import User

from .models import BenchmarkingClub, CouncilContributor
from .visibility import council_by_code, is_steward


class ClubForm(forms.ModelForm):
    members = forms.ModelMultipleChoiceField(
        label=_l("Councils in the club"),
        queryset=Organisation.objects.councils().current(),
        help_text=_l("Hold Ctrl (or Cmd) to choose more than one."),
    )
    community = forms.ModelChoiceField(
        label=_l("The club's community (optional)"),
        queryset=Community.objects.none(),
        required=False,
        help_text=_l("Where the club's members talk about their figures."),
    )

    class Meta:
        model = BenchmarkingClub
        fields = ["name", "description", "members", "community"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Community.objects.visible_to(user).order_by("name")

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if not slugify(name):
            raise forms.ValidationError(_("Give the club a name with letters or numbers in it"))
        return name


def _unique_slug(name: str, exclude: int = 0) -> str:
    base = slugify(name)[:70] or "club"
    slug, n = base, 2
    while BenchmarkingClub.objects.filter(slug=slug).exclude(pk=exclude).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@login_required
@require_http_methods(["GET", "POST"])
def club_new(request: HttpRequest) -> HttpResponse:
    if not is_steward(request.user):
        raise PermissionDenied
    form = ClubForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            club = form.save(commit=False)
            club.slug = _unique_slug(club.name)
            club.created_by_id = request.user.pk
            club.save()
            form.save_m2m()
        messages.success(request, _("The club %(name)s was created.") % {"name": club.name})
        return redirect("benchmarks:club", slug=club.slug)
    return render(request, "benchmarks/club_form.html", {"form": form, "club": None})


@login_required
@require_http_methods(["GET", "POST"])
def club_edit(request: HttpRequest, slug: str) -> HttpResponse:
    club = get_object_or_404(BenchmarkingClub, slug=slug)
    if not is_steward(request.user):
        # Membership decides who sees club figures, so only data stewards change it.
        raise PermissionDenied
    form = ClubForm(request.POST or None, instance=club, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The club was saved."))
        return redirect("benchmarks:club", slug=club.slug)
    return render(request, "benchmarks/club_form.html", {"form": form, "club": club})


class ContributorForm(forms.Form):
    username = forms.CharField(
        label=_l("Username of the person to confirm"),
        max_length=150,
        help_text=_l(
            "They will be able to enter this council's figures and see what its clubs share."
        ),
    )

    def clean_username(self) -> User:
        username = str(self.cleaned_data["username"]).strip().lstrip("@")
        person = User.objects.filter(username__iexact=username, is_active=True).first()
        if person is None:
            raise forms.ValidationError(
                _("There is no one with the username %(u)s") % {"u": username}
            )
        return person


def _council(code: str) -> Organisation:
    council = council_by_code(code)
    if council is None:
        raise Http404
    return council


@login_required
@require_http_methods(["GET", "POST"])
def contributors(request: HttpRequest, code: str) -> HttpResponse:
    """Stewards confirm and remove the people who speak for a council's figures."""
    council = _council(code)
    if not is_steward(request.user):
        raise PermissionDenied
    form = ContributorForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            raw = str(request.POST.get("contributor") or "")
            removed, _rows = CouncilContributor.objects.filter(
                organisation=council, pk=int(raw) if raw.isdigit() else 0
            ).delete()
            if removed:
                messages.success(request, _("They no longer speak for this council's figures."))
            return redirect("benchmarks:contributors", code=council.code)
        if form.is_valid():
            person = form.cleaned_data["username"]
            try:
                with transaction.atomic():
                    CouncilContributor.objects.create(
                        user=person, organisation=council, added_by_id=request.user.pk
                    )
            except IntegrityError:
                form.add_error(
                    "username",
                    _("%(name)s already speaks for this council.") % {"name": person.display_name},
                )
            else:
                messages.success(
                    request,
                    _("%(name)s now speaks for %(council)s's figures.")
                    % {"name": person.display_name, "council": council.name},
                )
                return redirect("benchmarks:contributors", code=council.code)
    rows = CouncilContributor.objects.filter(organisation=council).select_related(
        "user", "added_by"
    )
    return render(
        request,
        "benchmarks/contributors.html",
        {"council": council, "form": form, "contributors": rows},
        status=400 if form.errors else 200,
    )
