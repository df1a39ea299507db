from django.core.management.base import BaseCommand

from membership.jobs import DAILY_JOBS, membership_dormancy_notify
from portal import clock
from portal.management.jobs import add_date_argument


class Command(BaseCommand):
    help = "휴면 전환 30일 전 안내 문자를 보냅니다 (하루 한 번)."

    def add_arguments(self, parser):
        add_date_argument(
            parser, help_text="이 날짜(YYYY-MM-DD) 기준으로 실행합니다. 기본: 오늘(한국 시간)."
        )

    def handle(self, *args, date=None, **options):
        at = dict((name, t) for name, t, _ in DAILY_JOBS)["membership_dormancy"]
        if date is None:
            count = membership_dormancy_notify()
        else:
            with clock.travel(clock.at(date, at.hour, at.minute)):
                count = membership_dormancy_notify()
        self.stdout.write(f"휴면 예정 안내 {count}건")
