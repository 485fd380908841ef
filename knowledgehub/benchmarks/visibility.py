"""Who may see a performance value: the one door for values, as the knowledge index has one for
items. Every read of values (pages, CSV, charts, widgets, RDF, SPARQL, the API) goes through
``values_visible_to`` (SQL) or ``Audience.can_see`` / ``Audience.mask`` (one value, or a NumPy
array of a metric's values), and a property test proves the three agree.

The rule, in words:
1. A public value is seen by everyone.
2. A value whose embargo date has come is public (the read path does not wait for the daily task
   that records the release).
3. A members value is seen by anyone signed in.
4. A club value is seen by the contributors (``CouncilContributor``) of the club's councils.
5. A council's contributors see all of their own council's values; site admins see every value.

A profile's self-declared organisation grants nothing: only a confirmed contributor speaks for a
council.

Aggregates (medians, means, quartiles, ranks, region tiles, counts) are computed only from the
values the viewer may see individually, so a value the viewer may not see has no influence at all
on anything shown to them, and no choice of groups can be differenced to reveal it. On top of
that, an aggregate over a set that includes any value that is not public is withheld when fewer
than ``KH_BENCHMARK_MIN_COUNT`` (5) councils contribute, so small restricted groups are not
summarised into pages, CSVs and widgets that travel further than the values themselves.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from .choices import Sharing

if TYPE_CHECKING:
    import numpy as np

    from .models import MetricValue

#: Codes for the ``sharing`` array in a metric snapshot (snapshot.py).
SHARING_CODES = {Sharing.PUBLIC: 0, Sharing.MEMBERS: 1, Sharing.CLUB: 2}
NO_EMBARGO = 0  # ordinal used in snapshots for "no embargo date"


def min_count() -> int:
    return int(getattr(settings, "KH_BENCHMARK_MIN_COUNT", 5))


@dataclass(frozen=True)
class Audience:
    """What one viewer may see, worked out once per request (two small queries for a signed-in
    person, none for a visitor)."""

    authenticated: bool = False
    superuser: bool = False
    organisation_ids: frozenset[int] = field(default_factory=frozenset)
    club_ids: frozenset[int] = field(default_factory=frozenset)
    today: date = field(default_factory=lambda: timezone.localdate())

    @property
    def key(self) -> str:
        """Viewers with the same key see exactly the same values (for caches)."""
        if self.superuser:
            return "admin"
        if not self.authenticated:
            return "anon"
        orgs = ",".join(str(i) for i in sorted(self.organisation_ids))
        clubs = ",".join(str(i) for i in sorted(self.club_ids))
        return f"m:{orgs}:{clubs}" if orgs or clubs else "member"

    @property
    def is_public(self) -> bool:
        """Sees public values only (a visitor who is not signed in)."""
        return not self.authenticated

    def can_see(self, value: MetricValue) -> bool:
        if value.sharing == Sharing.PUBLIC or self.superuser:
            return True
        if value.embargo_until is not None and value.embargo_until <= self.today:
            return True
        if value.organisation_id in self.organisation_ids:
            return True
        if value.sharing == Sharing.MEMBERS:
            return self.authenticated
        return value.club_id is not None and value.club_id in self.club_ids

    def mask(
        self,
        sharing: np.ndarray,
        club_ids: np.ndarray,
        embargo: np.ndarray,
        organisation_ids: np.ndarray,
    ) -> np.ndarray:
        """``can_see`` over arrays of one period's values: ``sharing`` holds SHARING_CODES,
        ``club_ids`` 0 for none, ``embargo`` date ordinals (NO_EMBARGO for none)."""
        import numpy as np

        if self.superuser:
            return np.ones(sharing.shape, dtype=bool)
        seen = sharing == SHARING_CODES[Sharing.PUBLIC]
        seen |= (embargo != NO_EMBARGO) & (embargo <= self.today.toordinal())
        if self.organisation_ids:
            seen |= np.isin(organisation_ids, list(self.organisation_ids))
        if self.authenticated:
            seen |= sharing == SHARING_CODES[Sharing.MEMBERS]
        if self.club_ids:
            seen |= (sharing == SHARING_CODES[Sharing.CLUB]) & np.isin(
                club_ids, list(self.club_ids)
            )
        return seen

    def value_q(self, prefix: str = "") -> Q:
        """The rule as a Q over MetricValue fields (``prefix`` to filter through a relation)."""
        p = prefix
        if self.superuser:
            return Q()
        q = Q(**{f"{p}sharing": Sharing.PUBLIC}) | Q(**{f"{p}embargo_until__lte": self.today})
        if self.organisation_ids:
            q |= Q(**{f"{p}organisation_id__in": sorted(self.organisation_ids)})
        if self.authenticated:
            q |= Q(**{f"{p}sharing": Sharing.MEMBERS})
        if self.club_ids:
            q |= Q(**{f"{p}sharing": Sharing.CLUB, f"{p}club_id__in": sorted(self.club_ids)})
        return q


PUBLIC = Audience()


def audience_for(user: Any) -> Audience:
    """The audience of a user (``AnonymousUser`` or ``None`` for a visitor). Cached on the user
    object for the rest of the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Audience()
    cached = getattr(user, "_kh_value_audience", None)
    if cached is not None and cached.today == timezone.localdate():
        return cached
    if user.is_superuser:
        audience = Audience(authenticated=True, superuser=True)
    else:
        from .models import BenchmarkingClub, CouncilContributor

        org_ids = frozenset(
            CouncilContributor.objects.filter(user_id=user.pk).values_list(
                "organisation_id", flat=True
            )
        )
        club_ids = (
            frozenset(
                BenchmarkingClub.objects.filter(members__in=org_ids)
                .values_list("pk", flat=True)
                .distinct()
            )
            if org_ids
            else frozenset()
        )
        audience = Audience(authenticated=True, organisation_ids=org_ids, club_ids=club_ids)
    with contextlib.suppress(AttributeError):  # a user object that refuses attributes
        user._kh_value_audience = audience
    return audience


def values_visible_to(user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
    """The values ``user`` may see (``queryset`` narrows a MetricValue queryset)."""
    from .models import MetricValue

    qs = queryset if queryset is not None else MetricValue.objects.all()
    return qs.filter(audience_for(user).value_q())


def can_view_value(user: Any, value: MetricValue) -> bool:
    return audience_for(user).can_see(value)


STEWARD_PERMISSION = "benchmarks.import_values"


def is_steward(user: Any) -> bool:
    """A data steward defines metrics, imports for any council, runs clubs and confirms
    contributors."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.has_perm(STEWARD_PERMISSION)
    )


def can_enter_values(user: Any, organisation_id: int) -> bool:
    """A council's contributors enter its figures; data stewards any."""
    if is_steward(user):
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return organisation_id in audience_for(user).organisation_ids


def council_by_code(code: str) -> Any:
    """The council a GSS code names (any case), or None for an unknown code or a body that is
    not a council."""
    from knowledgehub.organisations.models import GSS_CODE_RE, Organisation

    wanted = code.strip().upper()
    if not GSS_CODE_RE.match(wanted):
        return None
    return Organisation.objects.councils().filter(code=wanted).first()
