"""``manage.py membership_replay SCENARIO.json``: see membership/replay.py."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from membership.replay import ScenarioError, replay_text


class Command(BaseCommand):
    help = "Replay a membership scenario under a moved clock (rolled back) and print the result."

    def add_arguments(self, parser):
        parser.add_argument("scenario", help="path to the scenario JSON file ('-' for stdin)")

    def handle(self, *args, scenario: str, **options):
        try:
            if scenario == "-":
                import sys

                text = sys.stdin.read()
            else:
                text = Path(scenario).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {scenario}: {exc}") from None
        try:
            result = replay_text(text)
        except ScenarioError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
