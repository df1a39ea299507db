from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from membership.services.legacy_import import COLUMNS, legacy_import


class Command(BaseCommand):
    help = (
        "옛 시스템의 CSV(subscriptions, attempts, refunds, points)를 원장으로 옮기고 "
        "대사 결과를 보고합니다. 오류가 하나라도 있으면 아무것도 쓰지 않습니다."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "directory", help="subscriptions.csv, attempts.csv, refunds.csv, points.csv"
        )

    def handle(self, *args, directory: str, **options):
        folder = Path(directory)
        files = {}
        for name in COLUMNS:
            path = folder / f"{name}.csv"
            if path.exists():
                files[name] = path.read_text(encoding="utf-8-sig")
        report = legacy_import(files=files)
        for error in report.errors:
            self.stderr.write(error)
        if report.errors:
            raise CommandError(f"{len(report.errors)} error(s): nothing was imported")
        for diff in report.differences:
            self.stderr.write(str(diff))
        if report.differences:
            raise CommandError(
                f"{len(report.differences)} difference(s) on reconciliation: nothing was imported"
            )
        counts = ", ".join(f"{k} {v}" for k, v in report.counts.items())
        self.stdout.write(f"imported: {counts}; the ledger reconciles")
