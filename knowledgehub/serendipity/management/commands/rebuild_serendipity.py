"""``manage.py rebuild_serendipity``: refit the engine over every Item, showing progress."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from knowledgehub.serendipity.services import rebuild


class Command(BaseCommand):
    help = "Rebuild the serendipity engine (TF-IDF model, item vectors, related items)."

    def handle(self, *args: Any, **options: Any) -> None:
        shown: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if shown.get(stage) == done:
                return
            shown[stage] = done
            self.stdout.write(f"{stage} {done}/{total}")
            self.stdout.flush()

        result = rebuild(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt: {result['items']} items, {result['terms']} terms, "
                f"{result['related']} related pairs."
            )
        )
