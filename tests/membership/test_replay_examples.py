"""The replay prints the expected output of every shared example (membership.md,
"Replay command"; examples README: compare only the fields the expected file holds)."""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

EXAMPLES = Path(__file__).parent / "examples"
EXAMPLE_NAMES = sorted(
    p.name.removesuffix(".json")
    for p in EXAMPLES.glob("*.json")
    if not p.name.endswith(".expected.json")
)


def replay(path: Path) -> dict:
    out = io.StringIO()
    call_command("membership_replay", str(path), stdout=out)
    return json.loads(out.getvalue())


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def assert_matches_expected(actual: dict, expected: dict) -> None:
    """The README's comparison: attempts on the given keys (times as instants), periods
    exactly, refunds as (amount, to), rejections as a set of (driver, type, reason)."""
    assert set(actual["drivers"]) >= set(expected["drivers"])
    for driver_id, want in expected["drivers"].items():
        got = actual["drivers"][driver_id]
        for key, value in want.items():
            if key == "attempts":
                assert len(got["attempts"]) == len(value), (driver_id, got["attempts"])
                for got_attempt, want_attempt in zip(got["attempts"], value, strict=True):
                    for field, field_value in want_attempt.items():
                        if field == "at":
                            assert instant(got_attempt["at"]) == instant(field_value)
                        else:
                            assert got_attempt[field] == field_value, (
                                driver_id,
                                field,
                                got_attempt,
                            )
            elif key == "refunds":
                assert [(r["amount"], r["to"]) for r in got["refunds"]] == [
                    (r["amount"], r["to"]) for r in value
                ]
            else:
                assert got[key] == value, (driver_id, key)
    if "rejections" in expected:
        assert {(r["driver"], r["type"], r["reason"]) for r in actual["rejections"]} == {
            (r["driver"], r["type"], r["reason"]) for r in expected["rejections"]
        }


@pytest.mark.django_db
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_example_replays_to_expected_output(name):
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text())
    assert_matches_expected(replay(EXAMPLES / f"{name}.json"), expected)


@pytest.mark.django_db
def test_replay_writes_nothing(django_user_model):
    from membership.models import ChargeAttempt, JournalEntry, Subscription

    replay(EXAMPLES / "E3-immediate-termination-refund.json")
    assert django_user_model.objects.count() == 0
    assert Subscription.objects.count() == 0
    assert ChargeAttempt.objects.count() == 0
    assert JournalEntry.objects.count() == 0
