"""Kitsune-style guard: views never read knowledge items or communities without the visibility
door. A view that writes ``Item.objects.filter(...)`` (or ``.all()``) fails this test."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
GUARDED = re.compile(r"\b(Item|Community)\.objects\.(?!visible_to\()(\w+)")


def _view_modules() -> list[Path]:
    return [
        p
        for p in PACKAGE.rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts and p.name == "views.py"
    ]


def test_views_read_items_and_communities_only_through_visible_to():
    offenders = []
    for path in _view_modules():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if GUARDED.search(line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert not offenders, "unscoped reads:\n" + "\n".join(offenders)


def test_the_guard_catches_an_unscoped_read():
    assert GUARDED.search("items = Item.objects.filter(community=c)")
    assert GUARDED.search("Community.objects.all()")
    assert not GUARDED.search("Item.objects.visible_to(request.user).filter(x=1)")
