"""Build and run replay scenarios in tests (through the real replay, services and jobs)."""

import json

from membership.replay import replay_text


def driver(id="d1", *, qno=None, driver_type="general", rating=4.2) -> dict:
    return {
        "id": id,
        "qualification_no": qno or f"Q-{id}",
        "driver_type": driver_type,
        "rating": rating,
    }


def ev(at: str, type: str, driver: str = "d1", **fields) -> dict:
    return {"at": at, "driver": driver, "type": type, **fields}


def run(events: list[dict], *, until: str, drivers: list[dict] | None = None) -> dict:
    return replay_text(
        json.dumps({"until": until, "drivers": drivers or [driver()], "events": events})
    )


def attempts(out: dict, d: str = "d1") -> list[tuple]:
    return [
        (a["at"][:16], a["type"], a["result"], a["reason"], a["method"])
        for a in out["drivers"][d]["attempts"]
    ]


def periods(out: dict, d: str = "d1") -> list[tuple[str, str]]:
    return [(p["start"], p["end"]) for p in out["drivers"][d]["periods"]]


def refunds(out: dict, d: str = "d1") -> list[tuple[int, str]]:
    return [(r["amount"], r["to"]) for r in out["drivers"][d]["refunds"]]


def rejections(out: dict) -> list[tuple[str, str, str]]:
    return [(r["driver"], r["type"], r["reason"]) for r in out["rejections"]]


def status(out: dict, d: str = "d1") -> str:
    return out["drivers"][d]["status"]


def points(out: dict, d: str = "d1") -> int:
    return out["drivers"][d]["points_balance"]
