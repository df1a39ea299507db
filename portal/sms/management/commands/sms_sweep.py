"""``manage.py sms_sweep``: the outbox sweep the beat runs every minute, run by hand."""

from django.core.management.base import BaseCommand

from portal.sms.services import outbox_sweep


class Command(BaseCommand):
    help = (
        "Send SMS left behind: rows of a worker that died and rows whose task was lost "
        "(queued again, or sent from here when the broker is down)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue-only",
            action="store_true",
            help="Only queue the rows for the workers; never send from this process.",
        )

    def handle(self, *args, **options):
        result = outbox_sweep(send_here_if_broker_down=not options["queue_only"])
        self.stdout.write(
            f"taken back from dead workers: {result.reclaimed}, queued: {result.queued}, "
            f"sent from here: {result.sent_here}"
        )
