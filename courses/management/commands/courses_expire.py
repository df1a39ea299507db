from django.core.management.base import BaseCommand

from courses.services.enrollments import enrollments_expire
from portal import clock
from portal.management.jobs import add_date_argument


class Command(BaseCommand):
    help = "기한이 지난 수강을 만료 처리하고 만료 문자를 보냅니다 (매일 자정 이후 작업)."

    def add_arguments(self, parser):
        add_date_argument(
            parser, help_text="이 날짜(YYYY-MM-DD) 기준으로 처리합니다. 기본: 오늘(한국 시간)."
        )

    def handle(self, *args, date=None, **options):
        day = date or clock.today()
        count = enrollments_expire(today=day)
        self.stdout.write(f"{day}: 만료 처리 {count}건")
