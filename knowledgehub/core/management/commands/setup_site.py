"""``manage.py setup_site``: first-run setup. Loads the councils, then the demo community.

Safe to run again: councils are updated in place and the demo is only created once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandParser
from django.urls import reverse

from knowledgehub.core.context_processors import DEMO_CACHE_KEY
from knowledgehub.core.demo import seed_demo
from knowledgehub.core.pagecache import bump_content_version
from knowledgehub.organisations.services import (
    ImportFormatError,
    import_councils,
    read_builtin_england,
    read_mysociety_csv,
)

OUTBOX_BACKEND = "knowledgehub.core.mail.OutboxBackend"


class Command(BaseCommand):
    help = (
        "Set the site up for first use: load England's councils from the ONS list, then all "
        "four nations from the councils CSV (KH_COUNCILS_CSV) when it exists, then the demo "
        "community unless --no-demo is given. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """Accept --no-demo."""
        parser.add_argument(
            "--no-demo", action="store_true", help="load the councils but not the demo community"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Import councils, seed the demo, and say what happened."""
        result = import_councils(read_builtin_england(), overwrite=False)
        self.stdout.write(f"Councils in England (ONS 2021 list): {result}")

        csv_path = Path(settings.KH_COUNCILS_CSV) if settings.KH_COUNCILS_CSV else None
        if csv_path and csv_path.is_file():
            try:
                result = import_councils(read_mysociety_csv(csv_path))
            except ImportFormatError as exc:
                self.stderr.write(f"Could not import {csv_path}: {exc}")
            else:
                self.stdout.write(f"Councils in all four nations ({csv_path.name}): {result}")
        else:
            self.stdout.write(
                f"No councils CSV at {csv_path}: only England's councils were loaded. Set "
                "KH_COUNCILS_CSV to a mySociety local authorities CSV to add Wales, Scotland "
                "and Northern Ireland."
            )

        if options["no_demo"]:
            self.stdout.write("Demo not loaded (--no-demo).")
        else:
            demo = seed_demo(stdout=self.stdout)
            if demo.created:
                self.stdout.write(f"The demo took {demo.seconds:.1f} seconds.")
            from knowledgehub.serendipity.models import ModelState
            from knowledgehub.serendipity.rebuild import rebuild_all
            from knowledgehub.themes.models import Theme

            if not ModelState.objects.exists() or not Theme.objects.exists():
                # First run: build the engine once, so item pages show "Related", people pages
                # "People like you" and /themes/ and /trends/ have something to show (afterwards
                # the worker keeps it current).
                self.stdout.write("Building the serendipity engine (related items, people, themes)")
                built = rebuild_all()
                self.stdout.write(
                    f"Related items for {built['items'].get('items', 0)} items, "
                    f"{built['themes'].get('themes', 0)} themes."
                )
        from knowledgehub.linkeddata.store import sync_store

        synced = sync_store()  # skipped when nothing public changed since the last build
        if synced.action == "built":
            self.stdout.write(f"SPARQL store built: {synced.triples} triples (/sparql).")
        cache.delete(DEMO_CACHE_KEY)
        bump_content_version()  # bulk inserts send no signals

        if settings.EMAIL_BACKEND == OUTBOX_BACKEND:
            outbox = settings.SITE_URL + reverse("core:outbox")
            self.stdout.write(f"E-mails are not sent: read them at {outbox}")
        self.stdout.write(self.style.SUCCESS("Setup finished."))
