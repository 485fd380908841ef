from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from knowledgehub.lib.pagination import paginate
from knowledgehub.people.models import User

from .choices import NATIONS, OrganisationType
from .forms import PartnerOrganisationForm
from .models import GSS_CODE_RE, Organisation
from .services import organisation_create_partner


@require_safe
def organisation_list(request: HttpRequest) -> HttpResponse:
    qs = Organisation.objects.current()
    q = request.GET.get("q", "").strip()[:100]
    nation = request.GET.get("nation", "")
    region = request.GET.get("region", "")
    org_type = request.GET.get("type", "")
    if q:
        qs = qs.filter(name__icontains=q)
    if nation in NATIONS:
        qs = qs.filter(nation=nation)
    if region:
        qs = qs.filter(region=region)
    if org_type in OrganisationType.values:
        qs = qs.filter(type=org_type)
    regions = (
        Organisation.objects.current()
        .exclude(region="")
        .order_by("region")
        .values_list("region", flat=True)
        .distinct()
    )
    return render(
        request,
        "organisations/list.html",
        {
            "paged": paginate(request, qs.order_by("name"), 50),
            "q": q,
            "nation": nation,
            "region": region,
            "type": org_type,
            "nations": NATIONS,
            "regions": list(regions),
            "types": OrganisationType.choices,
        },
    )


@require_safe
def organisation_detail(request: HttpRequest, code: str) -> HttpResponse:
    # GSS codes are matched in any case; partner slugs (which may also be nine characters
    # long, like "age-uk-ni") exactly as written.
    lookup = code.upper() if GSS_CODE_RE.match(code.upper()) else code
    organisation = get_object_or_404(Organisation.objects.select_related("parent"), code=lookup)
    people = (
        User.objects.visible_to(request.user)
        .filter(organisation=organisation)
        .order_by("name", "username")
    )
    children = organisation.children.order_by("name")
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": organisation,
            "paged": paginate(request, people, settings.KH_PAGE_SIZE),
            "children": children,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = PartnerOrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = organisation_create_partner(**form.cleaned_data)
        messages.success(request, _("%(name)s has been added.") % {"name": organisation.name})
        return redirect(organisation)
    return render(request, "organisations/create.html", {"form": form})
