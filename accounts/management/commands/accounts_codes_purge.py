"""Delete verification codes that expired more than a day before the given day."""

from django.core.management.base import BaseCommand

from accounts.services.codes import codes_purge
from portal import clock
from portal.management.jobs import add_date_argument


class Command(BaseCommand):
    help = "만료된 지 하루가 지난 인증번호를 지웁니다 (하루 한 번 실행하는 작업과 같음)."

    def add_arguments(self, parser):
        add_date_argument(
            parser, help_text="이 날짜(YYYY-MM-DD)가 끝나는 시점 기준으로 실행합니다. 기본: 지금."
        )

    def handle(self, *args, date=None, **options):
        now = clock.end_of_day(date) if date else clock.now()
        self.stdout.write(f"deleted {codes_purge(now=now)} codes")
