from django.core.management.base import BaseCommand, CommandError

from membership.services.reconcile import ledger_reconcile


class Command(BaseCommand):
    help = "원장을 기록된 사건(결제, 페이백, 회수, 환불, 해지)에서 다시 계산해 차이를 보고합니다."

    def handle(self, *args, **options):
        diffs = ledger_reconcile()
        for diff in diffs:
            self.stdout.write(str(diff))
        if diffs:
            raise CommandError(f"{len(diffs)} difference(s) found")
        self.stdout.write("ledger reconciles: no differences")
