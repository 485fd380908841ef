"""``manage.py import_metric_values FILE``: import council values from a CSV or XLSX file."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from knowledgehub.benchmarks.choices import PeriodType, Sharing
from knowledgehub.benchmarks.importing import ImportFailed, ImportOptions, import_file

SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = (
        "Import council performance values from a CSV or XLSX file: long form (area_code, "
        "period, metric, value) or wide form (one column per period with --metric, or one "
        "column per metric with --period). Safe to run again: unchanged values stay as they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a CSV or XLSX file")
        parser.add_argument("--metric", default="", help="the metric (identifier or title)")
        parser.add_argument("--period", default="", help="the period of every value")
        for role in ("area", "period", "metric", "value", "unit", "measure"):
            parser.add_argument(f"--{role}-col", default="", help=f"the {role} column's heading")
        parser.add_argument("--layout", choices=["long", "wide"], default="")
        parser.add_argument(
            "--create-metrics", action="store_true", help="create metrics the file names"
        )
        parser.add_argument("--period-type", choices=PeriodType.values, default="")
        parser.add_argument("--sharing", choices=Sharing.values, default=Sharing.PUBLIC)
        parser.add_argument(
            "--club", default="", help="the club's short name (with --sharing club)"
        )
        parser.add_argument("--embargo", default="", help="public from this date (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        embargo: date | None = None
        if options["embargo"]:
            try:
                embargo = date.fromisoformat(options["embargo"])
            except ValueError:
                raise CommandError(
                    f"--embargo {options['embargo']!r} is not a date like 2025-04-01"
                ) from None
        if options["sharing"] == Sharing.CLUB and not options["club"]:
            raise CommandError("--sharing club needs --club SLUG")
        mapping = {
            role: options[f"{role}_col"]
            for role in ("area", "period", "metric", "value", "unit", "measure")
            if options[f"{role}_col"]
        }
        import_options = ImportOptions(
            mapping=mapping,
            layout=options["layout"],
            metric=options["metric"],
            period=options["period"],
            create_metrics=options["create_metrics"],
            period_type=options["period_type"],
            sharing=options["sharing"],
            club=options["club"],
            embargo_until=embargo,
        )
        try:
            report = import_file(options["file"], options=import_options)
        except ImportFailed as exc:
            raise CommandError(exc.message) from None
        out = self.stdout
        out.write(f"Rows read: {report.rows_read}")
        out.write(
            f"Values imported: {report.imported} ({report.created} new, {report.revised} "
            f"revised, {report.unchanged} unchanged); {report.missing} missing"
        )
        if report.metrics_created:
            out.write("Metrics created: " + ", ".join(report.metrics_created))
        if report.metrics:
            out.write("Metrics: " + ", ".join(report.metrics))
        if not report.problem_count:
            out.write("No problems found.")
            return
        out.write(f"Problems: {report.problem_count}")
        for problem in report.problems[:SHOWN_PROBLEMS]:
            where = f"row {problem.row}" if problem.row is not None else "file"
            column = f", {problem.column}" if problem.column else ""
            out.write(f"  {where}{column}: {problem.message}")
        if report.problem_count > SHOWN_PROBLEMS:
            out.write(f"  and {report.problem_count - SHOWN_PROBLEMS} more")
