from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from knowledgehub.communities.choices import InvitationStatus
from knowledgehub.communities.models import Community, Invitation, Membership
from knowledgehub.knowledge.models import Item
from knowledgehub.lib.http import outbox_allowed
from knowledgehub.organisations.models import Organisation
from knowledgehub.people.models import User

from .models import OutboxMessage, WorkerHeartbeat

RECENT_ITEMS = 10
BUSY_COMMUNITIES = 6
HOME_NUMBERS_CACHE_KEY = "kh:home:numbers"
HOME_NUMBERS_CACHE_SECONDS = 60


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    items = (
        Item.objects.visible_to(request.user)
        .select_related("author", "community")
        .order_by("-published_at", "-id")[:RECENT_ITEMS]
    )
    if request.user.is_authenticated:
        memberships = (
            Membership.objects.filter(user=request.user)
            .select_related("community")
            .order_by("community__name")
        )
        invitations = Invitation.objects.filter(
            email__iexact=request.user.email, status=InvitationStatus.PENDING
        ).select_related("community", "invited_by")
        return render(
            request,
            "core/dashboard.html",
            {"memberships": memberships, "invitations": invitations, "items": items},
        )
    stats, busiest = _home_numbers()
    member_counts = dict(busiest)
    # The ranking is cached; who may see each community is decided now, on every request.
    communities = sorted(
        Community.objects.visible_to(request.user).filter(pk__in=member_counts),
        key=lambda c: (-member_counts[c.pk], c.name),
    )[:BUSY_COMMUNITIES]
    for community in communities:
        community.member_count = member_counts[community.pk]  # type: ignore[attr-defined]
    return render(
        request, "core/home.html", {"communities": communities, "items": items, "stats": stats}
    )


def _home_numbers() -> tuple[dict[str, int], list[tuple[int, int]]]:
    """The anonymous home page's counts and its busiest communities as (id, member count).

    These aggregate every person and membership, the page's costliest queries by far, and
    anonymous visitors all see the same numbers; so they are cached for a minute. A few spare
    communities are kept in the ranking in case one stops being visible before it expires.
    """
    cached = cache.get(HOME_NUMBERS_CACHE_KEY)
    if cached is None:
        visible = Community.objects.visible_to(AnonymousUser())
        stats = {
            "councils": Organisation.objects.councils().current().count(),
            "people": User.objects.filter(is_active=True).count(),
            "communities": visible.count(),
        }
        busiest = list(
            visible.annotate(member_count=Count("memberships"))
            .order_by("-member_count", "name")
            .values_list("pk", "member_count")[: BUSY_COMMUNITIES * 2]
        )
        cached = (stats, busiest)
        cache.set(HOME_NUMBERS_CACHE_KEY, cached, HOME_NUMBERS_CACHE_SECONDS)
    return cached


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@require_safe
def security_txt(request: HttpRequest) -> HttpResponse:
    # RFC 9116: Expires must be less than a year ahead; recomputed on each request.
    expires = (timezone.now() + timedelta(days=180)).replace(microsecond=0)
    body = "\n".join(
        [
            f"Contact: {settings.SECURITY_CONTACT}",
            f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
            "Preferred-Languages: en, cy",
            f"Canonical: {settings.SITE_URL}/.well-known/security.txt",
            f"Policy: {settings.SITE_URL}/accessibility",
            "",
        ]
    )
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for load balancers: 200 when the database and the task queue's
    storage answer, 503 otherwise. The worker's last heartbeat is reported, not required, because
    workers scale separately from web processes."""
    from huey.contrib.djhuey import HUEY

    checks: dict[str, dict[str, object]] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # any failure means unhealthy; say which kind
        healthy = False
        checks["database"] = {"status": "error", "error": type(exc).__name__}
    try:
        pending = HUEY.pending_count()
        queue: dict[str, object] = {
            "status": "ok",
            "backend": type(HUEY).__name__,
            "pending": pending,
        }
        if checks["database"]["status"] == "ok":
            beat = WorkerHeartbeat.objects.order_by("-seen_at").first()
            queue["worker_last_seen"] = beat.seen_at.isoformat() if beat else None
        checks["task_queue"] = queue
    except Exception as exc:
        healthy = False
        checks["task_queue"] = {"status": "error", "error": type(exc).__name__}
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


@never_cache
@require_safe
def outbox(request: HttpRequest) -> HttpResponse:
    if not outbox_allowed(request):
        raise Http404
    messages = OutboxMessage.objects.all()[:100]
    return render(request, "core/outbox.html", {"outbox_messages": messages})


@never_cache
@require_safe
def outbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    if not outbox_allowed(request):
        raise Http404
    message = get_object_or_404(OutboxMessage, pk=pk)
    return render(request, "core/outbox_message.html", {"message": message})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
