"""Run the daily 180-day password reminder by hand, optionally as of a given day."""

from django.core.management.base import BaseCommand

from accounts.services.passwords import password_reminders_send
from portal import clock
from portal.management.jobs import add_date_argument


class Command(BaseCommand):
    help = "비밀번호 180일 안내 문자를 보냅니다 (하루 한 번 실행하는 작업과 같음)."

    def add_arguments(self, parser):
        add_date_argument(
            parser, help_text="이 날짜(YYYY-MM-DD)가 끝나는 시점 기준으로 실행합니다. 기본: 지금."
        )

    def handle(self, *args, date=None, **options):
        now = clock.end_of_day(date) if date else clock.now()
        count = password_reminders_send(now=now)
        self.stdout.write(f"queued {count} password reminders")
