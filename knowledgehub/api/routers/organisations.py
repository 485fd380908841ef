"""Organisations: councils (keyed by their ONS GSS code) and partner bodies. Public reference
data, the same for every caller."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from knowledgehub.organisations.choices import NATIONS, OrganisationType
from knowledgehub.organisations.models import GSS_CODE_RE, Organisation

from ..errors import ApiError
from ..pagination import Page, keyset_page
from ..schemas import OrganisationRef, absolute

router = Router(tags=["organisations"])


class OrganisationOut(Schema):
    code: str
    name: str
    official_name: str
    type: str
    type_label: str
    is_council: bool
    gss_code: str | None = None
    ons_uri: str | None = None
    nation: str
    region: str
    population: int | None = None
    parent: OrganisationRef | None = None
    website: str
    description: str
    end_date: dt.date | None = None
    url: str
    api_url: str

    @staticmethod
    def from_organisation(org: Organisation) -> OrganisationOut:
        return OrganisationOut(
            code=org.code,
            name=org.name,
            official_name=org.official_name,
            type=org.type,
            type_label=str(OrganisationType(org.type).label)
            if org.type in OrganisationType.values
            else org.type,
            is_council=org.is_council,
            gss_code=org.gss_code,
            ons_uri=org.ons_uri,
            nation=org.nation,
            region=org.region,
            population=org.population,
            parent=OrganisationRef.from_organisation(org.parent) if org.parent_id else None,
            website=org.website,
            description=org.description,
            end_date=org.end_date,
            url=absolute(org.get_absolute_url()),
            api_url=absolute(f"/api/v1/organisations/{org.code}"),
        )


class OrganisationDetailOut(OrganisationOut):
    children: list[OrganisationRef]


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        422,
        "Invalid input",
        "Some of what was sent is not valid; see errors.",
        errors=[{"field": field, "message": message}],
    )


@router.get("", response=Page[OrganisationOut], summary="Councils and partner organisations")
def list_organisations(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
    type: str | None = None,
    region: str | None = None,
    nation: str | None = None,
    q: str | None = None,
) -> dict[str, Any]:
    """Current organisations (abolished councils are left out, as on the list page). ``type``
    is an organisation type (``unitary``, ``district``, ``charity`` …), ``nation`` one of
    England, Northern Ireland, Scotland, Wales; ``q`` matches the name."""
    qs = Organisation.objects.current().select_related("parent")
    if type:
        if type not in OrganisationType.values:
            raise _invalid("type", "type must be one of " + ", ".join(OrganisationType.values))
        qs = qs.filter(type=type)
    if nation:
        if nation not in NATIONS:
            raise _invalid("nation", "nation must be one of " + ", ".join(NATIONS))
        qs = qs.filter(nation=nation)
    if region:
        qs = qs.filter(region=region.strip())
    text = (q or "").strip()[:100]
    if text:
        qs = qs.filter(name__icontains=text)
    return keyset_page(
        request,
        qs,
        sort=sort,
        allowed={"name": "name"},
        default="name",
        limit=limit,
        cursor=cursor,
        transform=lambda rows: [OrganisationOut.from_organisation(o) for o in rows],
    )


@router.get("/{code}", response=OrganisationDetailOut, summary="One organisation")
def get_organisation(request: HttpRequest, code: str) -> OrganisationDetailOut:
    """By code: a council's GSS code (any case, e.g. ``E08000009``) or a partner's slug."""
    lookup = code.upper() if GSS_CODE_RE.match(code.upper()) else code
    org = get_object_or_404(Organisation.objects.select_related("parent"), code=lookup)
    base = OrganisationOut.from_organisation(org)
    return OrganisationDetailOut(
        **base.model_dump(),
        children=[OrganisationRef.from_organisation(c) for c in org.children.order_by("name")],
    )
