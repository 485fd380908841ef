"""Ingest one feed once, through the same code as the worker.

    manage.py ingest_feed https://example.org/feed.xml [--community <slug>]
    manage.py ingest_feed path/to/feed.xml [--community <slug>]

A URL becomes (or finds) its FeedSource and a subscription — the community's with
``--community``, else site-wide — and is polled now, synchronously, exactly as a worker polls it
(conditional GET, health, backoff on failure). A file is read and ingested into a source keyed
by its ``file:///`` address; that source is paused, so it is never fetched or polled.

Prints ``added=N updated=N skipped=N errors=N``. Exits with status 1 and a plain message on
standard error when the feed is refused or broken, or the community does not exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q

from knowledgehub.aggregator.choices import Scope, SourceStatus
from knowledgehub.aggregator.models import FeedSource, Subscription
from knowledgehub.communities.models import Community

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

WHY_NOT = {
    "busy": "Another process is reading this feed right now. Try again in a few minutes.",
    "inactive": "This feed is not being polled (it is paused, or the site said it is gone).",
    "gone": "The server says this feed no longer exists (410 Gone).",
}


class Command(BaseCommand):
    help = "Ingest one feed (a URL or a file) once, and print what was added."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("feed", help="The feed's http(s) address, or a path to a feed file.")
        parser.add_argument(
            "--community", help="Subscribe this community (its slug) instead of the whole site."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from knowledgehub.aggregator import polling

        target: str = options["feed"].strip()
        community = self._community(options.get("community"))
        if target.lower().startswith(("http://", "https://")):
            source = self._url_source(target)
            self._subscribe(source, community)
            outcome = polling.poll_source(source.pk, force=True)
        else:
            data, url = self._read_file(target)
            source = self._file_source(url)
            self._subscribe(source, community)
            outcome = polling.ingest_local(source.pk, data)
        if not outcome.ok:
            raise CommandError(outcome.message or WHY_NOT.get(outcome.result, outcome.result))
        self.stdout.write(outcome.counts())

    # --- arguments ----------------------------------------------------------------------------

    def _community(self, slug: str | None) -> Community | None:
        if not slug:
            return None
        community = Community.objects.filter(slug=slug).first()
        if community is None:
            raise CommandError(f"There is no community with the address “{slug}”.")
        return community

    def _url_source(self, url: str) -> FeedSource:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise CommandError(f"“{url}” is not a web address we can read.") from None
        if len(url) > 2000:
            raise CommandError("That address is too long (more than 2,000 characters).")
        existing = FeedSource.objects.filter(Q(url=url) | Q(original_url=url)).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return FeedSource.objects.create(url=url, original_url=url)
        except IntegrityError:  # created meanwhile by someone else
            return FeedSource.objects.get(url=url)

    def _read_file(self, name: str) -> tuple[bytes, str]:
        path = Path(name).expanduser()
        if not path.is_file():
            raise CommandError(f"There is no file at {name} (and it is not an http(s) address).")
        limit = int(getattr(settings, "KH_FETCH_MAX_BYTES", DEFAULT_MAX_BYTES))
        try:
            with path.open("rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise CommandError(f"Could not read {name}: {exc.strerror or exc}.") from None
        if len(data) > limit:
            raise CommandError(f"The file is larger than the {limit:,}-byte limit for a feed.")
        return data, path.resolve().as_uri()

    def _file_source(self, url: str) -> FeedSource:
        source, _ = FeedSource.objects.get_or_create(
            url=url, defaults={"original_url": url, "status": SourceStatus.PAUSED}
        )
        return source

    def _subscribe(self, source: FeedSource, community: Community | None) -> None:
        if community is not None:
            subscription, created = Subscription.objects.get_or_create(
                source=source, scope=Scope.COMMUNITY, community=community
            )
        else:
            subscription, created = Subscription.objects.get_or_create(
                source=source, scope=Scope.SITE
            )
        if created and source.entries.exists():
            from knowledgehub.aggregator import ingest

            ingest.place_existing_entries(subscription)
