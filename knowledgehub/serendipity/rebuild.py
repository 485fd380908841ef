"""The whole engine, rebuilt in one go (``rebuild_serendipity``, and ``setup_site`` on first run)
and kept current by the worker's sweeps (scheduled in ``knowledgehub/tasks.py``)."""

from __future__ import annotations

from typing import Any

from . import engine


def rebuild_all(*, progress: engine.ProgressFn | None = None) -> dict[str, dict[str, Any]]:
    """Related items, then people (they read item vectors), then themes (they read item
    vectors and are labelled from item texts). Each stage is safe to run again."""
    from knowledgehub.themes.services import rebuild_themes

    from .people import rebuild_people
    from .services import rebuild

    items = rebuild(progress=progress)
    people = rebuild_people(progress=progress)
    themes = rebuild_themes(progress=progress)
    return {"items": items, "people": people, "themes": themes}


def sweep(*, limit: int = 200) -> dict[str, int]:
    """The worker's per-minute catch-up: vectors and related items for new items, their place in
    themes, "Who has done this?" for them, and people whose vectors are stale. Cheap when there
    is nothing to do; idempotent."""
    from knowledgehub.themes.services import assign_new_items

    from .people import refresh_people, relate_people_for_item
    from .services import current_model, pending_item_ids, relate_items

    # One batch, chosen once: vectors and related items for it, then "Who has done this?".
    new_ids = pending_item_ids(limit) if current_model() is not None else []
    if new_ids:
        relate_items(new_ids)
    for item_id in new_ids:
        relate_people_for_item(item_id)
    related = len(new_ids)
    return {
        "related": related,
        "themed": assign_new_items(limit=limit * 2),
        "people": refresh_people(limit=limit),
    }
