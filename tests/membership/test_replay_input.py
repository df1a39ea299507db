"""Bad replay input exits non-zero naming the event; nothing is written
(membership.md, "Replay command")."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from membership.models import ChargeAttempt, Subscription

pytestmark = pytest.mark.django_db

GOOD_DRIVER = {"id": "d1", "qualification_no": "Q-1", "driver_type": "general", "rating": 4.2}
JOIN = {"at": "2024-10-02T10:00:00", "driver": "d1", "type": "join", "method": "phone"}


def replay_file(tmp_path, doc) -> str:
    path = tmp_path / "scenario.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    out = io.StringIO()
    call_command("membership_replay", str(path), stdout=out)
    return out.getvalue()


def scenario(*events, until="2024-10-10"):
    return {"until": until, "drivers": [GOOD_DRIVER], "events": list(events)}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("{not json", "bad JSON"),
        (scenario({**JOIN, "type": "explode"}), "event 0: unknown event type 'explode'"),
        (
            scenario({**JOIN, "colour": "red"}),
            "event 0 (join at 2024-10-02T10:00:00): unknown field(s) colour",
        ),
        (scenario({**JOIN, "driver": "zz"}), "unknown driver 'zz'"),
        (
            scenario({**JOIN}, {**JOIN, "at": "2024-10-01T10:00:00"}),
            "event 1 (join at 2024-10-01T10:00:00): times out of order",
        ),
        (
            scenario({**JOIN, "at": "2024-10-11T00:00:00"}),
            "event 0 (join at 2024-10-11T00:00:00): after 'until'",
        ),
        (
            scenario({k: v for k, v in JOIN.items() if k != "method"}),
            "event 0 (join at 2024-10-02T10:00:00): missing field(s) method",
        ),
        (scenario({**JOIN, "method": "cash"}), "'method' must be one of"),
        (
            scenario({**JOIN, "at": "2024-10-02T10:00:00+00:00"}),
            "event 0 (join): times are Asia/Seoul",
        ),
        (
            scenario({**JOIN, "type": "refund", "amount": -5, "to": "points", "method": None} | {}),
            "unknown field(s) method",
        ),
        (
            scenario(
                {
                    "at": "2024-10-02T10:00:00",
                    "driver": "d1",
                    "type": "refund",
                    "amount": 0,
                    "to": "points",
                }
            ),
            "'amount' must be",
        ),
        (
            scenario(
                {"at": "2024-10-02T10:00:00", "driver": "d1", "type": "decline_next", "count": "2"}
            ),
            "'count' must be",
        ),
        (
            {
                "until": "2024-10-10",
                "drivers": [{**GOOD_DRIVER, "driver_type": "bus"}],
                "events": [],
            },
            "driver 'd1': 'driver_type'",
        ),
        ({"until": "tomorrow", "drivers": [], "events": []}, "'until' must be a date"),
    ],
)
def test_bad_input_is_refused_naming_the_event(tmp_path, doc, message):
    with pytest.raises(CommandError) as caught:
        replay_file(tmp_path, doc)
    assert message in str(caught.value)
    assert Subscription.objects.count() == 0
    assert ChargeAttempt.objects.count() == 0


def test_offset_plus_nine_is_accepted(tmp_path):
    out = json.loads(replay_file(tmp_path, scenario({**JOIN, "at": "2024-10-02T10:00:00+09:00"})))
    assert out["drivers"]["d1"]["attempts"][0]["at"] == "2024-10-02T10:00:00+09:00"


def test_output_shape(tmp_path):
    out = json.loads(replay_file(tmp_path, scenario(JOIN)))
    assert set(out) == {"drivers", "rejections"}
    assert set(out["drivers"]["d1"]) == {
        "status",
        "attempts",
        "periods",
        "refunds",
        "points_balance",
    }
    assert out["drivers"]["d1"]["attempts"][0] == {
        "at": "2024-10-02T10:00:00+09:00",
        "type": "subscribe",
        "method": "phone",
        "amount": 39000,
        "result": "approved",
        "reason": None,
    }


def test_runtime_failure_leaves_nothing(tmp_path, monkeypatch):
    """A fault in the middle of a replay rolls everything back."""
    from membership import replay

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(replay, "subscription_cancel", explode)
    with pytest.raises(RuntimeError):
        replay_file(
            tmp_path,
            scenario(JOIN, {"at": "2024-10-03T10:00:00", "driver": "d1", "type": "cancel"}),
        )
    assert Subscription.objects.count() == 0
