"""Usage and ratings, the facts the rules read (membership.md: duty_on, ratings)."""

from decimal import Decimal

from membership import selectors
from membership.models import Rating, Usage
from membership.services import errors
from portal import clock


def usage_record_duty_on(*, user) -> Usage:
    """The driver went on duty (출근하기): counts as use of the membership and as
    activity for dormancy."""
    if selectors.account_is_withdrawn(user=user):
        raise errors.MembershipRefused(errors.ACCOUNT_WITHDRAWN)
    return Usage.objects.create(user=user, kind=Usage.Kind.DUTY_ON, at=clock.now())


def rating_record(*, user, value: Decimal | None, at=None) -> Rating:
    """The driver's latest monthly average from ``at`` (default now) on; None: no rating."""
    return Rating.objects.create(user=user, value=value, effective_at=at or clock.now())
