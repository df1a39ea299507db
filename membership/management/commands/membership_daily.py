import json

from django.core.management.base import BaseCommand

from membership.jobs import BATCH_SIZE, DAILY_JOBS, membership_daily_run
from portal import clock
from portal.management.jobs import add_date_argument


class Command(BaseCommand):
    help = "프로멤버십 04:00 작업: 휴면 확인, 갱신 결제, 재결제, 종료 처리 (하루 한 번)."

    def add_arguments(self, parser):
        add_date_argument(
            parser,
            help_text="이 날짜(YYYY-MM-DD)의 04:00 작업으로 실행합니다. 기본: 오늘(한국 시간).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help="한 번에 처리할 구독 수"
        )

    def handle(self, *args, date=None, batch_size=BATCH_SIZE, **options):
        at = dict((name, t) for name, t, _ in DAILY_JOBS)["membership_daily"]
        if date is None:
            report = membership_daily_run(batch_size=batch_size)
        else:
            with clock.travel(clock.at(date, at.hour, at.minute)):
                report = membership_daily_run(batch_size=batch_size)
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
