"""Mark failed the bulk-enrollment confirmations whose worker died (docs/admin.md)."""

from django.core.management.base import BaseCommand

from courses.services.imports import imports_stale_fail
from portal import clock
from portal.management.jobs import add_date_argument


class Command(BaseCommand):
    help = (
        "작업 서버가 멈춰 끝나지 않은 일괄 등록을 '등록 실패'로 바꿉니다 "
        "(10분마다 실행하는 작업과 같음)."
    )

    def add_arguments(self, parser):
        add_date_argument(
            parser, help_text="이 날짜(YYYY-MM-DD)가 끝나는 시점 기준으로 실행합니다. 기본: 지금."
        )

    def handle(self, *args, date=None, **options):
        now = clock.end_of_day(date) if date else clock.now()
        self.stdout.write(f"failed {imports_stale_fail(now=now)} stalled uploads")
