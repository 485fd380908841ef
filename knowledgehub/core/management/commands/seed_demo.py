"""``manage.py seed_demo``: load the demo community (once; running it again changes nothing)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.management.base import BaseCommand

from knowledgehub.core.context_processors import DEMO_CACHE_KEY
from knowledgehub.core.demo import seed_demo
from knowledgehub.core.pagecache import bump_content_version


class Command(BaseCommand):
    help = (
        "Create the demo: about fifty made-up people at real councils, ten communities of "
        "every visibility, and blog posts, all marked as demo data, plus a demo sign-in "
        "account. Load councils first (setup_site does both). Does nothing if the demo exists."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        """Seed the demo and forget the cached "is this a demo site" answer."""
        result = seed_demo(stdout=self.stdout)
        cache.delete(DEMO_CACHE_KEY)
        bump_content_version()  # bulk inserts send no signals
        if result.created:
            self.stdout.write(f"Took {result.seconds:.1f} seconds.")
