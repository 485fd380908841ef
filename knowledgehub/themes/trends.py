"""Bubbling up: themes whose weekly volume rises above their own usual level.

Weekly counts come from one grouped query over ``ThemeItem`` joined to ``Item.published_at``
(truncated to the ISO week's Monday, in the site's time zone, on SQLite and PostgreSQL alike).
Each theme is judged against its own baseline, so a small theme that triples outranks a big
theme that is steadily big: raw volume never decides the order.

Burst detection is a Poisson-floored z-score: a week's count is compared with the mean and the
standard deviation of the previous ``baseline_weeks`` weeks, the deviation floored at
``sqrt(mean)`` (what Poisson noise alone would give) and at 1 (so a quiet theme's first few items
are not a "burst"), and a week must also reach ``min_count`` items and ``min_ratio`` times the
baseline mean. ``bench/trends.py`` measures recall, false alarms and delay on planted bursts.

Privacy: counts include every item assigned to a theme, but a week cell that contains any
restricted item (not public, hidden, or in a secret community) and holds fewer than
``KH_HEATMAP_MIN_COUNT`` items is *suppressed*: it is treated as zero everywhere on the page
(ranking, baseline, sparkline), so nothing shown depends on a small number of restricted items.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledgehub.knowledge.visibility import visibility_q

from .models import Theme, ThemeItem

if TYPE_CHECKING:
    from knowledgehub.communities.models import Community
    from knowledgehub.people.models import User

DEFAULT_WEEKS = 26
MIN_WEEKS = 4
MAX_WEEKS = 104
BASELINE_WEEKS = 8
THRESHOLD = 3.0
MIN_COUNT = 3
MIN_RATIO = 1.5
NEW_THEME_HISTORY = 2  # a theme active in fewer earlier weeks than this is "new", not "rising"


def min_count() -> int:
    """Cells with restricted items and fewer items than this are suppressed (settings)."""
    return int(getattr(settings, "KH_HEATMAP_MIN_COUNT", 5))


def open_q(prefix: str = "") -> Q:
    """Items anyone may see: public audience, not hidden, not in a secret community. The same
    condition the visibility rule gives an anonymous visitor, so the two can never disagree."""
    return visibility_q(AnonymousUser(), prefix=prefix)


def is_suppressed(total: int, restricted: int) -> bool:
    """A cell that counts any restricted item is withheld below the minimum count."""
    return restricted > 0 and total < min_count()


# --- pure burst detection -------------------------------------------------------------------


def burst_scores(
    series: Sequence[float], *, baseline_weeks: int = BASELINE_WEEKS
) -> list[tuple[float, float]]:
    """For each week, ``(z, baseline_mean)`` against the previous ``baseline_weeks`` weeks.

    Weeks with fewer than two weeks of history score 0 (nothing to compare with). Fewer than
    ``baseline_weeks`` weeks of history use what there is: a theme that is new still has zeros
    before it, which is exactly the baseline it rose from.
    """
    out: list[tuple[float, float]] = []
    for t, x in enumerate(series):
        history = series[max(0, t - baseline_weeks) : t]
        if len(history) < 2:
            out.append((0.0, float(sum(history)) / len(history) if history else 0.0))
            continue
        mean = sum(history) / len(history)
        var = sum((h - mean) ** 2 for h in history) / (len(history) - 1)
        sd = max(math.sqrt(var), math.sqrt(mean), 1.0)
        out.append(((x - mean) / sd, mean))
    return out


def detect_bursts(
    series: Sequence[float],
    *,
    baseline_weeks: int = BASELINE_WEEKS,
    threshold: float = THRESHOLD,
    min_count: int = MIN_COUNT,
    min_ratio: float = MIN_RATIO,
) -> list[int]:
    """Indices of the weeks in ``series`` that burst above the series' own recent baseline."""
    flagged: list[int] = []
    for t, (z, mean) in enumerate(burst_scores(series, baseline_weeks=baseline_weeks)):
        x = series[t]
        if z >= threshold and x >= min_count and x >= min_ratio * mean:
            flagged.append(t)
    return flagged


# --- weekly counts --------------------------------------------------------------------------


def week_start(moment: datetime | date) -> date:
    """The Monday of the ISO week holding ``moment`` (in the site's time zone)."""
    if isinstance(moment, datetime):
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        moment = moment.date()
    return moment - timedelta(days=moment.weekday())


def week_columns(weeks: int, now: datetime | None = None) -> list[date]:
    """The Mondays of the last ``weeks`` weeks, oldest first, ending with the current week."""
    current = week_start(now or timezone.now())
    return [current - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


@dataclass(frozen=True)
class Cell:
    """One aggregated cell: ``total`` items of which ``restricted`` are not open."""

    total: int
    restricted: int

    @property
    def suppressed(self) -> bool:
        return is_suppressed(self.total, self.restricted)

    @property
    def shown(self) -> int | None:
        """The count that may be published, or None when it is withheld."""
        return None if self.suppressed else self.total


def weekly_cells(
    themes: QuerySet[Theme] | Iterable[int], weeks: int, now: datetime | None = None
) -> tuple[list[date], dict[int, dict[date, Cell]]]:
    """``(columns, {theme_id: {monday: Cell}})`` for the last ``weeks`` weeks, in one query."""
    columns = week_columns(weeks, now)
    start = timezone.make_aware(datetime.combine(columns[0], datetime.min.time()))
    rows = (
        ThemeItem.objects.filter(theme__in=themes, item__published_at__gte=start)
        .annotate(week=TruncWeek("item__published_at"))
        .values("theme_id", "week")
        .annotate(total=Count("id"), restricted=Count("id", filter=~open_q("item__")))
        .order_by()
    )
    cells: dict[int, dict[date, Cell]] = {}
    for row in rows:
        monday = week_start(row["week"])
        cells.setdefault(row["theme_id"], {})[monday] = Cell(row["total"], row["restricted"])
    return columns, cells


CELLS_SECONDS = 300


def data_stamp() -> str:
    """What trend and heat-map caches are keyed on: this week, the content version (bumped when
    content changes) and the newest theme membership, so new items show at once; a bulk change
    that sends no signal shows within ``CELLS_SECONDS``."""
    from django.db.models import Max

    from knowledgehub.core.pagecache import content_version

    stamp = ThemeItem.objects.aggregate(newest=Max("pk"), n=Count("pk"))
    return (
        f"{week_start(timezone.now()).isoformat()}:{content_version()}:"
        f"{stamp['newest']}:{stamp['n']}"
    )


def cached_weekly_cells(weeks: int) -> tuple[list[date], dict[int, dict[date, Cell]]]:
    """``weekly_cells`` for every active theme, shared by all viewers for a few minutes.

    The counts do not depend on who asks (suppression is a property of the cell), so one grouped
    query serves everyone; each viewer then keeps only the themes they may see. The key holds the
    week, the content version (bumped when content changes) and the newest membership, so new
    items show at once; a bulk change nobody signalled shows within ``CELLS_SECONDS``."""
    from django.core.cache import cache

    key = f"trends:cells:{weeks}:{data_stamp()}"
    found = cache.get(key)
    if found is None:
        active = Theme.objects.filter(is_active=True).values_list("pk", flat=True)
        found = weekly_cells(list(active), weeks)
        cache.set(key, found, CELLS_SECONDS)
    return found


def published_series(columns: list[date], cells: dict[date, Cell]) -> list[int]:
    """A theme's weekly counts with suppressed cells as zero (what the page may depend on)."""
    return [(cells[c].shown or 0) if c in cells else 0 for c in columns]


# --- who sees which theme -------------------------------------------------------------------


def themes_for(viewer: User | AnonymousUser, community: Community | None = None) -> QuerySet[Theme]:
    """Active themes the viewer may see: sitewide ones for everyone, a community's only for its
    members and site admins. Defers to ``services.visible_themes`` as well when it exists."""
    from knowledgehub.communities.models import Membership

    qs = Theme.objects.filter(is_active=True)
    if community is not None:
        qs = qs.filter(community=community)
    if viewer.is_authenticated and viewer.is_superuser:
        allowed = Q()
    elif viewer.is_authenticated:
        member_of = Membership.objects.filter(user_id=viewer.pk).values("community_id")
        allowed = Q(community__isnull=True) | Q(community_id__in=member_of)
    else:
        allowed = Q(community__isnull=True)
    qs = qs.filter(allowed)
    try:
        from . import services

        visible = services.visible_themes
    except (ImportError, AttributeError):
        return qs
    return qs.filter(pk__in=visible(viewer, community=community).values("pk"))


def theme_url(theme: Theme) -> str:
    """The theme's page (``/themes/<id>/``), even before the theme pages' routes are loaded."""
    try:
        return theme.get_absolute_url()
    except NoReverseMatch:
        return f"/themes/{theme.pk}/"


# --- rising themes --------------------------------------------------------------------------


@dataclass
class RisingTheme:
    theme: Theme
    week: date
    count: int
    baseline: float
    score: float
    series: list[int]
    active_weeks_before: int = 0  # weeks with any items before the rise began

    @property
    def is_new(self) -> bool:
        """A theme with almost no history is new rather than rising: it has no usual level of its
        own to rise above, so it is listed apart and not ranked against established themes."""
        return self.active_weeks_before < NEW_THEME_HISTORY

    @property
    def url(self) -> str:
        return theme_url(self.theme)

    @property
    def ratio(self) -> float | None:
        return self.count / self.baseline if self.baseline >= 0.5 else None

    @property
    def growth(self) -> str:
        """The rise in words ("3.2 times its usual weekly level", with a times sign)."""
        ratio = self.ratio
        if ratio is None:
            return _("New: little or no activity in the previous weeks")
        return _("%(ratio)s\N{MULTIPLICATION SIGN} its usual weekly level") % {
            "ratio": f"{ratio:.1f}"
        }

    @property
    def sparkline(self) -> str:
        """SVG polyline points (0 to 100 wide, 0 to 20 high) for a small drawing of the series."""
        top = max(self.series) or 1
        step = 100 / max(len(self.series) - 1, 1)
        return " ".join(
            f"{i * step:.1f},{20 - 20 * v / top:.1f}" for i, v in enumerate(self.series)
        )


def rising_themes(
    viewer: User | AnonymousUser,
    weeks: int = DEFAULT_WEEKS,
    community: Community | None = None,
    limit: int = 20,
    now: datetime | None = None,
) -> list[RisingTheme]:
    """Themes bursting this week or last (the current week is still filling up, so last week
    counts too), ranked by burst score against each theme's own baseline."""
    themes = {t.pk: t for t in themes_for(viewer, community)}
    if not themes:
        return []
    if now is None:
        columns, every = cached_weekly_cells(weeks)
        cells = {pk: by_week for pk, by_week in every.items() if pk in themes}
    else:
        columns, cells = weekly_cells(list(themes), weeks, now)
    floor = max(MIN_COUNT, 1)
    found: list[RisingTheme] = []
    for theme_id, by_week in cells.items():
        series = published_series(columns, by_week)
        scores = burst_scores(series)
        best: tuple[float, int] | None = None
        for t in (len(series) - 1, len(series) - 2):
            if t < 0:
                continue
            z, mean = scores[t]
            bursting = z >= THRESHOLD and series[t] >= floor and series[t] >= MIN_RATIO * mean
            if bursting and (best is None or z > best[0]):
                best = (z, t)
        if best is None:
            continue
        z, t = best
        found.append(
            RisingTheme(
                theme=themes[theme_id],
                week=columns[t],
                count=series[t],
                baseline=scores[t][1],
                score=z,
                series=series,
                # the week before the burst week may already be part of the rise
                active_weeks_before=sum(1 for v in series[: max(t - 1, 0)] if v),
            )
        )
    found.sort(key=lambda r: (-r.score, r.theme.label, r.theme.pk))
    return found[:limit]


def parse_weeks(value: Any, default: int = DEFAULT_WEEKS, maximum: int = MAX_WEEKS) -> int:
    """A ``weeks`` query parameter as an int in range, or ValueError with a message to show."""
    if value in (None, ""):
        return default
    try:
        weeks = int(str(value))
    except ValueError:
        raise ValueError(_("Weeks must be a whole number.")) from None
    if not MIN_WEEKS <= weeks <= maximum:
        raise ValueError(
            _("Weeks must be between %(low)d and %(high)d.") % {"low": MIN_WEEKS, "high": maximum}
        )
    return weeks
