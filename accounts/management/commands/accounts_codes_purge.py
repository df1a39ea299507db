"""Delete verification codes that expired more than a day before the given day."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from accounts.services.codes import codes_purge
from portal import clock


class Command(BaseCommand):
    help = "만료된 지 하루가 지난 인증번호를 지웁니다 (하루 한 번 실행하는 작업과 같음)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD: run as of the end of this Korean day")

    def handle(self, *args, date=None, **options):
        now = clock.now()
        if date:
            try:
                now = clock.end_of_day(dt.date.fromisoformat(date))
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD") from None
        self.stdout.write(f"deleted {codes_purge(now=now)} codes")
