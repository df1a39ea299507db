"""Run the daily 180-day password reminder by hand, optionally as of a given day."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from accounts.services.passwords import password_reminders_send
from portal import clock


class Command(BaseCommand):
    help = "비밀번호 180일 안내 문자를 보냅니다 (하루 한 번 실행하는 작업과 같음)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD: run as of the end of this Korean day")

    def handle(self, *args, date=None, **options):
        now = clock.now()
        if date:
            try:
                day = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD") from None
            now = clock.end_of_day(day)
        count = password_reminders_send(now=now)
        self.stdout.write(f"queued {count} password reminders")
