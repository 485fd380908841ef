"""Line diffs between two texts, as rows a template renders into an accessible table."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

DIFF_CONTEXT_LINES = 3

RowKind = Literal["same", "removed", "added", "gap"]


@dataclass(frozen=True)
class DiffRow:
    kind: RowKind
    old_number: int | None
    new_number: int | None
    text: str


def line_diff(old: str, new: str, *, context: int = DIFF_CONTEXT_LINES) -> list[DiffRow]:
    """A unified diff as rows: unchanged context, removed and added lines, and gaps between
    groups of changes. Empty when the texts are the same."""
    a = (old or "").splitlines()
    b = (new or "").splitlines()
    if a == b:
        return []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    rows: list[DiffRow] = []
    for index, group in enumerate(matcher.get_grouped_opcodes(context)):
        if index:
            rows.append(DiffRow("gap", None, None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend(
                    DiffRow("same", i + 1, j + 1, a[i])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                )
                continue
            if tag in ("replace", "delete"):
                rows.extend(DiffRow("removed", i + 1, None, a[i]) for i in range(i1, i2))
            if tag in ("replace", "insert"):
                rows.extend(DiffRow("added", None, j + 1, b[j]) for j in range(j1, j2))
    return rows
