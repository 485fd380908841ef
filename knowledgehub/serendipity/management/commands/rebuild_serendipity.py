"""``manage.py rebuild_serendipity``: rebuild the whole engine from the Items, showing progress.

Stages, in order: the TF-IDF model, item vectors and embeddings, related items; people vectors,
"People like you" and "Who has done this?"; themes (sitewide and per community) and which items
belong to them. Trends and heat maps are aggregated from themes when asked, so they need no stage.
The worker keeps all of it current between rebuilds.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from knowledgehub.serendipity.rebuild import rebuild_all


class Command(BaseCommand):
    help = "Rebuild the serendipity engine: related items, people like you, themes."

    def handle(self, *args: Any, **options: Any) -> None:
        shown: dict[str, int] = {}
        started = time.monotonic()

        def progress(stage: str, done: int, total: int) -> None:
            if shown.get(stage) == done:
                return
            shown[stage] = done
            elapsed = time.monotonic() - started
            self.stdout.write(f"[{elapsed:6.1f}s] {stage} {done}/{total}")
            self.stdout.flush()

        result = rebuild_all(progress=progress)
        items, people, themes = result["items"], result["people"], result["themes"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt in {time.monotonic() - started:.1f}s: {items.get('items', 0)} items, "
                f"{items.get('terms', 0)} terms, {items.get('related', 0)} related pairs; "
                f"{people.get('people', 0)} people; {themes.get('themes', 0)} themes."
            )
        )
