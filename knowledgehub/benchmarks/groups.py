"""Comparison groups: which councils a figure is compared with. Councils of the same type, region
or nation, everyone, a benchmarking club, or a council's nearest neighbours on context metrics.

Groups only name councils; which of their values a viewer sees is still decided by visibility.py.
The list of current councils is kept in process (about 400 rows) and refreshed when the
organisations table changes: at once for changes made in this process (signals), and within a
few seconds for changes made by other processes (one cheap aggregate query).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from knowledgehub.organisations.choices import COUNCIL_TYPES, OrganisationType
from knowledgehub.organisations.models import Organisation

from .neighbours import NeighbourResult, nearest_neighbours
from .visibility import Audience

if TYPE_CHECKING:
    from .models import Metric

#: Context metrics used for nearest neighbours when the viewer chooses none, and the most allowed.
MAX_CONTEXT_METRICS = 10


class GroupError(ValueError):
    """A group that cannot be made; the message is shown to the user (views answer 400)."""


@dataclass(frozen=True)
class CouncilInfo:
    id: int
    code: str
    name: str
    type: str
    type_label: str
    region: str
    nation: str


@dataclass
class CouncilIndex:
    by_id: dict[int, CouncilInfo]
    by_code: dict[str, int]
    _ids: frozenset[int] = field(default_factory=frozenset)

    def ids(self) -> frozenset[int]:
        if not self._ids and self.by_id:
            self._ids = frozenset(self.by_id)
        return self._ids

    def where(self, **attrs: str) -> frozenset[int]:
        """Ids of councils whose attributes equal ``attrs`` (type=…, region=…, nation=…)."""
        return frozenset(
            c.id
            for c in self.by_id.values()
            if all(getattr(c, name) == wanted for name, wanted in attrs.items())
        )

    def values_of(self, attr: str) -> list[str]:
        return sorted({getattr(c, attr) for c in self.by_id.values() if getattr(c, attr)})


_lock = threading.Lock()
_state: dict[str, Any] = {"index": None, "stamp": None, "checked": 0.0}


def _check_seconds() -> float:
    return float(getattr(settings, "KH_BENCHMARK_COUNCIL_CHECK_SECONDS", 5))


def _current() -> Any:
    return Organisation.objects.councils().current()


def _stamp() -> tuple[Any, ...]:
    agg = _current().aggregate(n=Count("pk"), latest=Max("updated_at"))
    return (agg["n"], agg["latest"])


def _build_index() -> CouncilIndex:
    labels = dict(OrganisationType.choices)
    by_id: dict[int, CouncilInfo] = {}
    by_code: dict[str, int] = {}
    rows = _current().values_list("pk", "code", "name", "type", "region", "nation")
    for pk, code, name, type_, region, nation in rows:
        by_id[pk] = CouncilInfo(
            id=pk,
            code=code,
            name=name,
            type=type_,
            type_label=str(labels.get(type_, type_)),
            region=region or "",
            nation=nation or "",
        )
        by_code[code] = pk
    return CouncilIndex(by_id=by_id, by_code=by_code)


def councils() -> CouncilIndex:
    """Current councils (council types, not abolished), cached in process."""
    now = time.monotonic()
    with _lock:
        index = _state["index"]
        if index is not None and now - _state["checked"] < _check_seconds():
            return index
    stamp = _stamp()
    with _lock:
        if _state["index"] is not None and _state["stamp"] == stamp:
            _state["checked"] = now
            return _state["index"]
    index = _build_index()
    with _lock:
        _state.update(index=index, stamp=stamp, checked=now)
    return index


def invalidate(*args: Any, **kwargs: Any) -> None:
    with _lock:
        _state.update(index=None, stamp=None, checked=0.0)


post_save.connect(invalidate, sender=Organisation, dispatch_uid="benchmarks_councils_saved")
post_delete.connect(invalidate, sender=Organisation, dispatch_uid="benchmarks_councils_deleted")


@dataclass(frozen=True)
class Group:
    spec: str
    label: str
    organisation_ids: frozenset[int]
    explanation: str = ""
    neighbours: NeighbourResult | None = None

    def __len__(self) -> int:
        return len(self.organisation_ids)


def _context_metrics(context: Sequence[str]) -> list[Metric]:
    from .models import Metric

    if context:
        wanted = list(dict.fromkeys(c.strip() for c in context if c.strip()))
        if len(wanted) > MAX_CONTEXT_METRICS:
            raise GroupError(
                _("Choose at most %(n)d context metrics.") % {"n": MAX_CONTEXT_METRICS}
            )
        found = {m.identifier: m for m in Metric.objects.filter(identifier__in=wanted)}
        unknown = [c for c in wanted if c not in found]
        if unknown:
            raise GroupError(_("There is no metric called %(name)s.") % {"name": unknown[0]})
        return [found[c] for c in wanted]
    metrics = list(Metric.objects.filter(is_context=True).order_by("title")[:MAX_CONTEXT_METRICS])
    if not metrics:
        raise GroupError(
            _("Nearest neighbours need context metrics (such as population), and none are set up.")
        )
    return metrics


def _neighbour_group(
    spec: str,
    council_id: int,
    index: CouncilIndex,
    audience: Audience,
    context: Sequence[str],
    k: int,
) -> Group:
    metrics = _context_metrics(context)
    try:
        result = nearest_neighbours(council_id, metrics, audience, k=k, among="type")
    except ValueError as exc:
        raise GroupError(str(exc)) from exc
    name = index.by_id[council_id].name
    ids = frozenset([council_id, *(r.organisation_id for r in result.rows)])
    titles = ", ".join(m.title for m in result.metrics)
    explanation = _(
        "The %(k)d councils of the same type most like %(name)s on %(metrics)s: each figure is "
        "turned into a score of standard deviations from the average of %(n)d councils, and "
        "councils are ranked by the straight-line (Euclidean) distance between their scores."
    ) % {"k": len(result.rows), "name": name, "metrics": titles, "n": result.candidates + 1}
    return Group(
        spec=spec,
        label=_("Nearest neighbours of %(name)s") % {"name": name},
        organisation_ids=ids,
        explanation=explanation,
        neighbours=result,
    )


def resolve_group(
    spec: str | None,
    *,
    council: Organisation | None,
    audience: Audience,
    context: Sequence[str] = (),
    k: int = 15,
) -> Group:
    """The group named by ``spec`` (see module docs), relative to ``council`` where it needs
    one. Raises GroupError with a message for the viewer."""
    index = councils()
    spec = (spec or "").strip() or ("type" if council is not None else "all")
    kind, _sep, arg = spec.partition(":")
    arg = arg.strip()
    if council is not None and council.pk not in index.by_id:
        raise GroupError(_("%(name)s is not a current council.") % {"name": council.name})
    info = index.by_id[council.pk] if council is not None else None

    if kind == "all" and not arg:
        return Group(spec="all", label=_("All councils"), organisation_ids=index.ids())

    if kind in {"type", "region", "nation", "neighbours"} and not arg:
        if info is None:
            raise GroupError(_("Choose a council to compare it with similar councils."))
        if kind == "neighbours":
            return _neighbour_group(spec, info.id, index, audience, context, k)
        value = getattr(info, kind)
        if not value:
            raise GroupError(
                _("%(name)s has no %(what)s recorded.") % {"name": info.name, "what": kind}
            )
        arg = value

    if kind == "type":
        if arg not in COUNCIL_TYPES:
            raise GroupError(_("%(type)s is not a type of council.") % {"type": arg})
        label = str(dict(OrganisationType.choices)[arg])
        return Group(
            spec=spec,
            label=_("Councils of the same type: %(type)s") % {"type": label},
            organisation_ids=index.where(type=arg),
        )
    if kind in {"region", "nation"}:
        ids = index.where(**{kind: arg})
        if not ids:
            raise GroupError(_("There are no councils in %(place)s.") % {"place": arg})
        label = (
            _("Councils in the region %(place)s")
            if kind == "region"
            else _("Councils in %(place)s")
        )
        return Group(spec=spec, label=label % {"place": arg}, organisation_ids=ids)
    if kind == "club" and arg:
        from .models import BenchmarkingClub

        club = BenchmarkingClub.objects.filter(slug=arg).first()
        if club is None:
            raise GroupError(_("There is no benchmarking club called %(name)s.") % {"name": arg})
        members = frozenset(club.members.values_list("pk", flat=True)) & index.ids()
        return Group(
            spec=spec,
            label=_("Benchmarking club: %(name)s") % {"name": club.name},
            organisation_ids=members,
        )
    if kind == "neighbours" and arg:
        council_id = index.by_code.get(arg.upper())
        if council_id is None:
            raise GroupError(
                _("There is no current council with the code %(code)s.") % {"code": arg}
            )
        return _neighbour_group(spec, council_id, index, audience, context, k)
    raise GroupError(_("%(spec)s is not a comparison group.") % {"spec": spec})


def group_choices(council: Organisation | None) -> list[tuple[str, str]]:
    """Groups to offer in a select: relative ones for a council, explicit ones otherwise."""
    from .models import BenchmarkingClub

    index = councils()
    choices: list[tuple[str, str]] = []
    info = index.by_id.get(council.pk) if council is not None else None
    if info is not None:
        choices.append(
            ("type", _("Councils of the same type (%(type)s)") % {"type": info.type_label})
        )
        if info.region:
            choices.append(
                ("region", _("Councils in the same region (%(r)s)") % {"r": info.region})
            )
        if info.nation:
            choices.append(
                ("nation", _("Councils in the same nation (%(n)s)") % {"n": info.nation})
            )
        choices.append(("neighbours", _("Nearest neighbours")))
        choices.append(("all", _("All councils")))
        clubs = BenchmarkingClub.objects.filter(members=info.id).order_by("name")
    else:
        choices.append(("all", _("All councils")))
        labels = dict(OrganisationType.choices)
        for type_ in index.values_of("type"):
            choices.append((f"type:{type_}", str(labels.get(type_, type_))))
        for region in index.values_of("region"):
            choices.append((f"region:{region}", _("Region: %(r)s") % {"r": region}))
        for nation in index.values_of("nation"):
            choices.append((f"nation:{nation}", _("Nation: %(n)s") % {"n": nation}))
        clubs = BenchmarkingClub.objects.order_by("name")
    for club in clubs.only("slug", "name"):
        choices.append((f"club:{club.slug}", _("Club: %(name)s") % {"name": club.name}))
    return choices
