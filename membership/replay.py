"""The replay (membership.md, "Replay command" and "Precise semantics").

A scenario runs through the real domain functions and the real daily jobs under a
moved clock, inside one database transaction that is rolled back at the end. This
module only parses the scenario, moves the clock, calls the services and jobs, and
reads the result back from the ledger: no rule is implemented here.
"""

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import transaction

from membership import jobs, selectors
from membership.gateway import gateway
from membership.models import ChargeAttempt, Refund
from membership.policy import policy
from membership.services import errors
from membership.services.joining import subscription_join
from membership.services.lifecycle import (
    subscription_cancel,
    subscription_terminate,
    subscription_withdraw,
)
from membership.services.method import subscription_change_method
from membership.services.refunds import charge_refund
from membership.services.usage import rating_record, usage_record_duty_on
from portal import clock

EVENT_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    # type: (required fields, optional fields) besides at, driver, type
    "join": ({"method"}, set()),
    "rating": ({"value"}, set()),
    "duty_on": (set(), set()),
    "decline_next": ({"count"}, set()),
    "change_method": ({"method"}, set()),
    "cancel": (set(), set()),
    "terminate": (set(), {"ticket", "reason"}),
    "withdraw": (set(), {"ticket", "reason"}),
    "refund": ({"amount", "to"}, {"ticket", "reason"}),
    "account_withdraw": (set(), set()),
}
DRIVER_FIELDS = {"id", "qualification_no", "driver_type", "rating"}
# The start of time for a driver's initial rating.
EPOCH = dt.datetime(2000, 1, 1, tzinfo=clock.SEOUL)


class ScenarioError(ValueError):
    pass


@dataclass
class Driver:
    id: str
    qualification_no: str
    driver_type: str
    rating: Decimal | None


@dataclass
class Event:
    index: int
    at: dt.datetime
    driver: str
    type: str
    fields: dict

    def label(self) -> str:
        return f"event {self.index} ({self.type} of {self.driver} at {self.at.isoformat()})"


@dataclass
class Scenario:
    until: dt.date
    drivers: list[Driver]
    events: list[Event] = field(default_factory=list)


def _rating(value, where: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where}: rating must be a number or null")
    try:
        rating = Decimal(str(value))
    except InvalidOperation:
        raise ScenarioError(f"{where}: rating must be a number or null") from None
    if not Decimal("0") <= rating <= Decimal("5"):
        raise ScenarioError(f"{where}: rating must be between 0 and 5")
    return rating


def _instant(raw, where: str) -> dt.datetime:
    if not isinstance(raw, str):
        raise ScenarioError(f"{where}: 'at' must be a date-time string")
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ScenarioError(f"{where}: 'at' is not a date-time: {raw!r}") from None
    if value.tzinfo is not None and value.utcoffset() != dt.timedelta(hours=9):
        raise ScenarioError(f"{where}: times are Asia/Seoul, without offset or with +09:00")
    return clock.aware(value)


def scenario_parse(text: str) -> Scenario:
    """Validate a scenario; every problem names the event (or driver) it is in."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"bad JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError("the scenario must be a JSON object")
    extra = set(data) - {"until", "drivers", "events"}
    if extra:
        raise ScenarioError(f"unknown top-level field(s): {', '.join(sorted(extra))}")
    try:
        until = dt.date.fromisoformat(data.get("until"))
    except (TypeError, ValueError):
        raise ScenarioError("'until' must be a date like 2025-02-10") from None
    drivers_raw = data.get("drivers")
    if not isinstance(drivers_raw, list):
        raise ScenarioError("'drivers' must be a list")
    drivers: list[Driver] = []
    for n, raw in enumerate(drivers_raw):
        where = f"driver {n}"
        if not isinstance(raw, dict):
            raise ScenarioError(f"{where}: must be an object")
        unknown = set(raw) - DRIVER_FIELDS
        if unknown:
            raise ScenarioError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        if not isinstance(raw.get("id"), str) or not raw["id"]:
            raise ScenarioError(f"{where}: 'id' must be a non-empty string")
        where = f"driver {raw['id']!r}"
        if any(d.id == raw["id"] for d in drivers):
            raise ScenarioError(f"{where}: duplicate id")
        if not isinstance(raw.get("qualification_no"), str) or not raw["qualification_no"]:
            raise ScenarioError(f"{where}: 'qualification_no' must be a non-empty string")
        if raw.get("driver_type") not in ("general", "franchise"):
            raise ScenarioError(f"{where}: 'driver_type' must be 'general' or 'franchise'")
        drivers.append(
            Driver(
                raw["id"],
                raw["qualification_no"],
                raw["driver_type"],
                _rating(raw.get("rating"), where),
            )
        )
    events_raw = data.get("events", [])
    if not isinstance(events_raw, list):
        raise ScenarioError("'events' must be a list")
    known = {d.id for d in drivers}
    events: list[Event] = []
    end = clock.end_of_day(until)
    for n, raw in enumerate(events_raw):
        where = f"event {n}"
        if not isinstance(raw, dict):
            raise ScenarioError(f"{where}: must be an object")
        kind = raw.get("type")
        if kind not in EVENT_FIELDS:
            raise ScenarioError(f"{where}: unknown event type {kind!r}")
        where = f"event {n} ({kind})"
        at = _instant(raw.get("at"), where)
        where = f"event {n} ({kind} at {raw.get('at')})"
        if raw.get("driver") not in known:
            raise ScenarioError(f"{where}: unknown driver {raw.get('driver')!r}")
        required, optional = EVENT_FIELDS[kind]
        fields = {k: v for k, v in raw.items() if k not in ("at", "driver", "type")}
        unknown = set(fields) - required - optional
        if unknown:
            raise ScenarioError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        missing = required - set(fields)
        if missing:
            raise ScenarioError(f"{where}: missing field(s) {', '.join(sorted(missing))}")
        _check_fields(kind, fields, where)
        if events and at < events[-1].at:
            raise ScenarioError(f"{where}: times out of order (before the event above it)")
        if at > end:
            raise ScenarioError(f"{where}: after 'until' ({until.isoformat()})")
        events.append(Event(n, at, raw["driver"], kind, fields))
    return Scenario(until=until, drivers=drivers, events=events)


def _check_fields(kind: str, fields: dict, where: str) -> None:
    methods = policy().methods
    if "method" in fields and fields["method"] not in methods:
        raise ScenarioError(f"{where}: 'method' must be one of {', '.join(methods)}")
    if kind == "rating":
        fields["value"] = _rating(fields["value"], where)
    if kind == "decline_next":
        count = fields["count"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ScenarioError(f"{where}: 'count' must be a whole number ≥ 0")
    if kind == "refund":
        amount = fields["amount"]
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise ScenarioError(f"{where}: 'amount' must be a whole number of won > 0")
        if fields["to"] not in ("points", "payment_method"):
            raise ScenarioError(f"{where}: 'to' must be 'points' or 'payment_method'")
    for name in ("ticket", "reason"):
        if name in fields and not isinstance(fields[name], str):
            raise ScenarioError(f"{where}: {name!r} must be a string")


def _timeline(scenario: Scenario) -> list[tuple[dt.datetime, object]]:
    """Jobs and events in time order: a job runs before an event at the same instant;
    events at one instant keep file order."""
    first = scenario.events[0].at.date() if scenario.events else scenario.until
    items = []
    day = min(first, scenario.until)
    while day <= scenario.until:
        for order, (_, at_time, job) in enumerate(jobs.DAILY_JOBS):
            items.append((clock.at(day, at_time.hour, at_time.minute), 0, order, job))
        day += dt.timedelta(days=1)
    for event in scenario.events:
        items.append((event.at, 1, event.index, event))
    items.sort(key=lambda item: item[:3])
    return [(item[0], item[3]) for item in items]


class _Rollback(Exception):
    pass


def scenario_run(scenario: Scenario) -> dict:
    """Run the scenario and return the output document; nothing stays written."""
    fake = gateway()
    if not hasattr(fake, "decline_next"):
        raise ScenarioError("the replay needs a gateway with scriptable declines")
    saved = dict(fake.__dict__)
    fake.reset()
    result: dict = {}
    try:
        with transaction.atomic():
            result = _run(scenario, fake)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        fake.__dict__.clear()
        fake.__dict__.update(saved)
    return result


def _run(scenario: Scenario, fake) -> dict:
    User = get_user_model()
    tag = uuid.uuid4().hex[:8]
    users = {}
    for n, driver in enumerate(scenario.drivers):
        users[driver.id] = User.objects.create(
            username=f"replay-{tag}-{n}",
            name=f"replay {driver.id}",
            qualification_no=driver.qualification_no,
            driver_type=driver.driver_type,
        )
        rating_record(user=users[driver.id], value=driver.rating, at=EPOCH)
    rejections = []
    scope = [user.pk for user in users.values()]
    for at, item in _timeline(scenario):
        with clock.travel(at):
            if not isinstance(item, Event):
                item(scope=scope)
                continue
            user = users[item.driver]
            code = _apply(item, user, fake)
            user.refresh_from_db()
        if code:
            rejections.append(
                {"driver": item.driver, "type": item.type, "at": at.isoformat(), "reason": code}
            )
    return {
        "drivers": {d.id: _driver_output(users[d.id]) for d in scenario.drivers},
        "rejections": rejections,
    }


def _apply(event: Event, user, fake) -> str | None:
    """Call the one domain function behind the event; a refusal returns its code."""
    f = event.fields
    try:
        match event.type:
            case "join":
                subscription_join(user=user, method=f["method"])
            case "rating":
                rating_record(user=user, value=f["value"])
            case "duty_on":
                usage_record_duty_on(user=user)
            case "decline_next":
                fake.decline_next(user_id=user.pk, count=f["count"])
            case "change_method":
                subscription_change_method(user=user, method=f["method"])
            case "cancel":
                subscription_cancel(user=user)
            case "terminate":
                subscription_terminate(
                    user=user, ticket=f.get("ticket", ""), reason=f.get("reason", "")
                )
            case "withdraw":
                subscription_withdraw(
                    user=user, ticket=f.get("ticket", ""), reason=f.get("reason", "")
                )
            case "refund":
                charge_refund(
                    user=user,
                    amount=f["amount"],
                    to=f["to"],
                    ticket=f.get("ticket", ""),
                    reason=f.get("reason", ""),
                )
            case "account_withdraw":
                return _account_withdraw(event, user)
    except errors.MembershipRefused as refusal:
        return refusal.code
    return None


def _account_withdraw(event: Event, user) -> str | None:
    """The partner deletes the portal account, through the accounts withdrawal flow
    (which asks the membership guard)."""
    if selectors.account_is_withdrawn(user=user):
        return errors.ACCOUNT_WITHDRAWN
    try:
        from accounts.services.withdrawal import WithdrawalBlocked, account_withdraw
    except ImportError:
        raise ScenarioError(f"{event.label()}: account withdrawal is not available") from None
    try:
        with transaction.atomic():
            account_withdraw(user=user, actor=None)
    except WithdrawalBlocked as blocked:
        return getattr(blocked, "reason_code", None) or (
            blocked.args[0] if blocked.args else "blocked"
        )
    return None


def _driver_output(user) -> dict:
    latest = selectors.subscription_latest(user=user)
    attempts = ChargeAttempt.objects.filter(user=user).order_by("at", "id")
    return {
        "status": latest.status if latest else "none",
        "attempts": [
            {
                "at": clock.aware(a.at).isoformat(),
                "type": a.type,
                "method": a.method,
                "amount": a.amount,
                "result": a.result,
                "reason": a.reason or None,
            }
            for a in attempts
        ],
        "periods": [
            {"start": p.start.isoformat(), "end": p.end.isoformat()}
            for p in selectors.periods_paid(user=user)
        ],
        "refunds": [
            {"at": clock.aware(r.at).isoformat(), "amount": r.amount, "to": r.to, "kind": r.kind}
            for r in Refund.objects.filter(user=user).order_by("at", "id")
        ],
        "points_balance": selectors.points_balance(user=user),
    }


def replay_text(text: str) -> dict:
    """Parse and run a scenario given as JSON text."""
    return scenario_run(scenario_parse(text))
