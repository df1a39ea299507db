from django.core.management.base import BaseCommand

from courses.services.enrollments import reminders_send
from portal import clock
from portal.management.jobs import add_date_argument


class Command(BaseCommand):
    help = "수강 기한 D-n 안내 문자를 보냅니다 (매일 작업, 같은 안내는 한 번만)."

    def add_arguments(self, parser):
        add_date_argument(
            parser, help_text="이 날짜(YYYY-MM-DD) 기준으로 처리합니다. 기본: 오늘(한국 시간)."
        )

    def handle(self, *args, date=None, **options):
        day = date or clock.today()
        count = reminders_send(today=day)
        self.stdout.write(f"{day}: 안내 문자 {count}건")
