"""From a number to the people behind it: the top-quartile councils of a comparison group for a
metric, people from those councils who write about the topic, related discussions and documents
(the serendipity engine), and a one-click "ask them" that starts a forum thread in the metric's
service-area community or, failing that, an ask in the offers app.

Everything shown goes through the visibility doors: values through ``visibility.audience_for``
(via ``services.metric_table``), people through ``User.objects.visible_to``, items through
``Item.objects.visible_to`` / ``related_for``; a community is named only when the viewer may
post in it (so a member).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from knowledgehub.communities.models import Community, Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.organisations.models import Organisation
from knowledgehub.people.models import User

from . import groups, services
from .models import CouncilContributor, Metric
from .visibility import Audience as ValueAudience
from .visibility import audience_for, council_by_code

#: How many people, items and councils the section shows.
PEOPLE_SHOWN = 8
ITEMS_SHOWN = 8
RELATED_READ = 40
MENTIONS = 5
#: Item kinds shown as discussions (the rest are documents).
DISCUSSION_KINDS = frozenset({"forum_thread", "blog_post", "offer_ask", "event", "feed_item"})
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z-]{3,}")
_STOPWORDS = frozenset(
    {
        "with",
        "from",
        "that",
        "this",
        "their",
        "after",
        "within",
        "where",
        "which",
        "people",
        "per",
        "percentage",
        "number",
        "council",
        "councils",
        "total",
        "rate",
    }
)


class LearnError(ValueError):
    """A parameter the section cannot use; the message is shown (400)."""


@dataclass
class Person:
    user: User
    count: int  # related items they wrote
    reason: str


@dataclass
class Learned:
    metric: Metric
    council: Organisation | None
    group: groups.Group
    table: services.MetricTable | None
    top: list[services.TableRow]
    note: str  # why there is no top quartile, when there is none
    people: list[Person] = field(default_factory=list)
    discussions: list[tuple[Item, str]] = field(default_factory=list)
    documents: list[tuple[Item, str]] = field(default_factory=list)
    query: str = ""


def _metric(identifier: str, viewer: Any) -> Metric:
    return get_object_or_404(
        Metric.objects.visible_to(viewer).select_related("service_area", "service_area__community"),
        identifier=identifier,
    )


def default_council(user: Any) -> Organisation | None:
    """The viewer's council: the first they are a confirmed contributor for, else their profile
    organisation if it is a council."""
    if user is None or not user.is_authenticated:
        return None
    row = (
        CouncilContributor.objects.filter(user_id=user.pk)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    if row is not None:
        return row.organisation
    org = user.organisation if user.organisation_id else None
    return org if org is not None and org.is_council else None


def _council(request: HttpRequest) -> Organisation | None:
    code = request.GET.get("council", "").strip()
    if not code:
        return default_council(request.user)
    council = council_by_code(code)
    if council is None:
        raise LearnError(_("%(code)s is not the code of a council we know.") % {"code": code[:20]})
    return council


def _words(metric: Metric) -> list[str]:
    """The metric title's significant words, for finding writing on the topic."""
    words: list[str] = []
    for word in _WORD_RE.findall(metric.title):
        lower = word.lower()
        if lower not in _STOPWORDS and lower not in words:
            words.append(lower)
    return words[:6]


def _split(rows: list[tuple[Item, str]]) -> tuple[list[tuple[Item, str]], list[tuple[Item, str]]]:
    discussions = [r for r in rows if r[0].kind in DISCUSSION_KINDS][:ITEMS_SHOWN]
    documents = [r for r in rows if r[0].kind not in DISCUSSION_KINDS][:ITEMS_SHOWN]
    return discussions, documents


def _people(viewer: Any, metric: Metric, council_ids: set[int]) -> tuple[list[Person], Any]:
    """People from ``council_ids`` the viewer may see, ranked by how many items related to the
    metric they wrote, and the related items themselves."""
    from knowledgehub.serendipity.people import who_has_done_this
    from knowledgehub.serendipity.services import related_for

    item = metric.knowledge_item
    visible_people = User.objects.visible_to(viewer).exclude(pk=viewer.pk or 0)
    candidates = visible_people.filter(organisation_id__in=council_ids)
    related: list[tuple[Item, str]] = []
    counts: Counter[int] = Counter()
    reasons: dict[int, str] = {}
    if item is not None:
        related = [
            (r, why) for r, why in related_for(viewer, item, limit=RELATED_READ) if r.pk != item.pk
        ]
        for found, _why in related:
            if found.author_id is not None:
                counts[found.author_id] += 1
        for suggestion in who_has_done_this(viewer, item, limit=20):
            reasons.setdefault(suggestion.person.pk, suggestion.reason)
    ids = set(counts) | set(reasons)
    if ids and council_ids:
        people = {u.pk: u for u in candidates.filter(pk__in=ids).select_related("organisation")}
    else:
        people = {}
    if not people and council_ids:
        # Nothing related yet: people of those councils whose visible items share the metric's
        # words.
        words = _words(metric)
        if words:
            match = Q()
            for word in words:
                match |= Q(title__icontains=word) | Q(text__icontains=word)
            items = (
                Item.objects.visible_to(viewer)
                .filter(match, author__in=candidates)
                .exclude(kind="metric")
            )
            counts = Counter(
                {
                    row["author_id"]: row["n"]
                    for row in items.values("author_id").annotate(n=Count("pk"))
                }
            )
            people = {
                u.pk: u
                for u in candidates.filter(pk__in=list(counts)).select_related("organisation")
            }
            if not related:
                related = [
                    (i, _("mentions %(topic)s") % {"topic": metric.title}) for i in items[:20]
                ]
    # Items by the suggested people first, then the rest, each in the engine's order.
    authors = set(people)
    related = [r for r in related if r[0].author_id in authors] + [
        r for r in related if r[0].author_id not in authors
    ]
    ranked = sorted(
        people.values(),
        key=lambda u: (-counts.get(u.pk, 0), u.pk not in reasons, u.display_name.lower()),
    )
    out = [
        Person(
            u,
            counts.get(u.pk, 0),
            reasons.get(u.pk, "") or _("wrote about %(topic)s") % {"topic": metric.title.lower()},
        )
        for u in ranked[:PEOPLE_SHOWN]
    ]
    return out, related


def _neighbour_options(request: HttpRequest) -> tuple[list[str], int]:
    """The page's nearest-neighbour choices, so a neighbours group is the one the page shows."""
    context = [c.strip() for c in request.GET.getlist("context") if c.strip()][:10]
    raw_k = request.GET.get("k", "").strip()
    if not raw_k:
        return context, 15
    if not raw_k.isdigit() or not 1 <= int(raw_k) <= 50:
        raise LearnError(_("The number of neighbours must be a whole number from 1 to 50."))
    return context, int(raw_k)


def learn_for(
    request: HttpRequest, metric: Metric, *, audience: ValueAudience | None = None
) -> Learned:
    """Everything the section shows (``LearnError`` for a parameter it cannot use), from the
    figures ``audience`` may see (the viewer's, by default)."""
    audience = audience if audience is not None else audience_for(request.user)
    council = _council(request)
    spec = request.GET.get("group", "").strip() or None
    context, k = _neighbour_options(request)
    try:
        group = groups.resolve_group(spec, council=council, audience=audience, context=context, k=k)
    except groups.GroupError as error:
        raise LearnError(str(error)) from error
    period = request.GET.get("period", "").strip() or None
    try:
        table = services.metric_table(
            metric,
            audience=audience,
            group=group,
            period=period,
            council_id=council.pk if council is not None else None,
        )
    except ValueError as error:
        raise LearnError(str(error)) from error
    top = [row for row in table.rows if row.band == 1]
    note = ""
    if not table.rows:
        note = _("There are no figures you can see for this group yet.")
    elif table.summary.withheld:
        note = table.summary.reason or _(
            "The comparison is withheld: too few councils share these figures."
        )
    elif not top:
        note = _("There are too few councils with figures to find a top quartile.")
    params = {"group": group.spec}
    if council is not None:
        params["council"] = council.code
    if period:
        params["period"] = period
    learned = Learned(
        metric=metric,
        council=council,
        group=group,
        table=table,
        top=top,
        note=note,
        query=urlencode(params),
    )
    people, related = _people(request.user, metric, {row.organisation_id for row in top})
    learned.people = people
    learned.discussions, learned.documents = _split(related)
    return learned


def _fragment_layout() -> Any:
    return engines["django"].from_string("{% block content %}{% endblock %}")


def _bad_request(request: HttpRequest, metric: Metric, message: str) -> HttpResponse:
    response = render(
        request,
        "benchmarks/_learn.html",
        {
            "layout": _fragment_layout() if request.htmx else "base.html",  # type: ignore[attr-defined]
            "full_page": not request.htmx,  # type: ignore[attr-defined]
            "sub": 3 if request.htmx else 2,  # type: ignore[attr-defined]
            "metric": metric,
            "error": message,
        },
        status=400,
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_http_methods(["GET", "HEAD"])
def learn(request: HttpRequest, identifier: str) -> HttpResponse:
    """The "from number to people" section: a fragment for htmx, a page otherwise."""
    metric = _metric(identifier, request.user)
    try:
        learned = learn_for(request, metric)
    except LearnError as error:
        return _bad_request(request, metric, str(error))
    htmx = bool(request.htmx)  # type: ignore[attr-defined]
    response = render(
        request,
        "benchmarks/_learn.html",
        {
            "layout": _fragment_layout() if htmx else "base.html",
            "full_page": not htmx,
            "sub": 3 if htmx else 2,  # sub-headings under the page's h1 or the section's h2
            "metric": metric,
            "learned": learned,
            "ask_url": f"{reverse('benchmarks:ask', args=[metric.identifier])}?{learned.query}",
        },
    )
    patch_vary_headers(response, ("HX-Request",))  # a fragment or a page at one address
    return response


# --- ask them -----------------------------------------------------------------------------------


class AskForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        error_messages={"required": gettext_lazy("Enter a title")},
    )
    body = forms.CharField(
        label=gettext_lazy("Your question"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy(
            "You can use Markdown. People mentioned with @username are told about it."
        ),
        error_messages={"required": gettext_lazy("Enter your question")},
    )


@dataclass(frozen=True)
class Destination:
    """Where the question goes: a forum category of a community the asker belongs to, or an
    ask in the offers app (signed-in members can read it)."""

    kind: str  # "forum" or "ask"
    community: Community | None = None
    category: Any = None


def destination(user: User, metric: Metric) -> Destination:
    from knowledgehub.forums.models import Category

    area = metric.service_area
    community = area.community if area is not None else None
    if (
        community is not None
        and Membership.objects.filter(community=community, user_id=user.pk).exists()
    ):
        category = Category.objects.filter(community=community).order_by("position", "pk").first()
        if category is not None:
            return Destination("forum", community, category)
    return Destination("ask")


def _initial(learned: Learned) -> dict[str, str]:
    """The prefilled question, from what every reader of it may see."""
    metric = learned.metric
    if learned.top:
        title = _("How does %(council)s get its %(metric)s results?") % {
            "council": learned.top[0].name,
            "metric": metric.title.lower(),
        }
    else:
        title = _("How do councils get good %(metric)s results?") % {"metric": metric.title.lower()}
    lines = [
        _("I am looking at **%(metric)s** (%(url)s), comparing %(group)s.")
        % {
            "metric": metric.title,
            "url": metric.get_absolute_url(),
            "group": learned.group.label,
        }
    ]
    if learned.top:
        lines.append(
            _("The councils in the top quartile are: %(councils)s.")
            % {"councils": ", ".join(row.name for row in learned.top)}
        )
    mentions = [f"@{p.user.username}" for p in learned.people[:MENTIONS]]
    if mentions:
        lines.append(
            _("%(people)s: what made the difference for you, and what would you do first?")
            % {"people": " ".join(mentions)}
        )
    else:
        lines.append(_("What made the difference, and what would you do first?"))
    return {"title": title[:200], "body": "\n\n".join(lines)}


@login_required
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest, identifier: str) -> HttpResponse:
    """A short prefilled question to the top councils' people; posting it starts a forum thread
    or an ask through their apps' own services, then goes there."""
    metric = _metric(identifier, request.user)
    user = request.user
    assert isinstance(user, User)
    try:
        learned = learn_for(request, metric)
    except LearnError as error:
        return HttpResponseBadRequest(error.args[0], content_type="text/plain; charset=utf-8")
    where = destination(user, metric)
    # The question is read by members who may not see club or members-only figures the asker
    # sees: its prefilled text names only councils ranked on figures every member may see.
    try:
        for_readers = learn_for(request, metric, audience=ValueAudience(authenticated=True))
    except LearnError as error:
        return HttpResponseBadRequest(error.args[0], content_type="text/plain; charset=utf-8")
    form = AskForm(request.POST or None, initial=_initial(for_readers))
    if request.method == "POST" and form.is_valid():
        try:
            created = _post(user, metric, where, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your question has been posted."))
            return redirect(created)
    return render(
        request,
        "benchmarks/ask.html",
        {
            "metric": metric,
            "learned": learned,
            "form": form,
            "destination": where,
            "action": f"{request.path}?{learned.query}",
        },
    )


def _post(user: User, metric: Metric, where: Destination, data: dict[str, Any]) -> Any:
    tags = [metric.service_area.name] if metric.service_area is not None else []
    if where.kind == "forum" and where.community is not None:
        from knowledgehub.communities.access import default_audience
        from knowledgehub.forums.services import thread_create

        return thread_create(
            category=where.category,
            author=user,
            title=data["title"],
            body=data["body"],
            audience=default_audience(where.community),
            tags=tags,
        )
    from knowledgehub.offers.choices import Kind
    from knowledgehub.offers.services import offer_ask_create

    return offer_ask_create(
        author=user,
        kind=Kind.ASK,
        title=data["title"],
        body=data["body"],
        audience=Audience.MEMBERS,
        tags=tags,
    )
