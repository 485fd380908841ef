"""``manage.py sync_sparql``: bring the SPARQL store in step with the site, showing progress.

The worker does this every few minutes; run it by hand after deploying, after a bulk import, or
with ``--force`` to rebuild even when nothing seems to have changed.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from knowledgehub.linkeddata.store import store_root, sync_store


class Command(BaseCommand):
    help = "Rebuild the SPARQL store from everything an anonymous visitor may see."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Rebuild even if nothing has changed."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        self.stdout.write(f"SPARQL store: {store_root()}")

        def progress(stage: str, done: int) -> None:
            self.stdout.write(f"[{time.monotonic() - started:6.1f}s] {stage}: {done:,}")
            self.stdout.flush()

        result = sync_store(force=bool(options["force"]), progress=progress)
        if result.action == "busy":
            self.stdout.write(self.style.WARNING("Another sync is running; nothing done."))
        elif result.action == "unchanged":
            self.stdout.write(
                self.style.SUCCESS(
                    f"Unchanged: {result.triples:,} triples in {result.generation} "
                    f"(checked in {result.seconds:.1f}s)."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Built {result.generation}: {result.triples:,} triples "
                    f"in {result.seconds:.1f}s."
                )
            )
