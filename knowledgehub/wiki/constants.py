"""Limits for wiki pages."""

TITLE_MAX_LENGTH = 200
SLUG_MAX_LENGTH = 220
BODY_MAX_LENGTH = 200_000
NOTE_MAX_LENGTH = 200
# Lines of unchanged text shown around each change in a diff.
DIFF_CONTEXT_LINES = 3
