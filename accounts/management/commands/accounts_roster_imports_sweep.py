"""Fail stalled roster confirmations and delete expired roster uploads (accounts.md)."""

from django.core.management.base import BaseCommand

from accounts.services.roster_import import roster_imports_sweep
from portal import clock
from portal.management.jobs import add_date_argument


class Command(BaseCommand):
    help = (
        "저장하지 않고 기한이 지난 명단 파일을 지우고, 멈춘 저장 작업을 '저장 실패'로 "
        "바꿉니다 (10분마다 실행하는 작업과 같음)."
    )

    def add_arguments(self, parser):
        add_date_argument(
            parser, help_text="이 날짜(YYYY-MM-DD)가 끝나는 시점 기준으로 실행합니다. 기본: 지금."
        )

    def handle(self, *args, date=None, **options):
        now = clock.end_of_day(date) if date else clock.now()
        failed, deleted = roster_imports_sweep(now=now)
        self.stdout.write(f"failed {failed} stalled, deleted {deleted} expired roster uploads")
