"""The account-withdrawal guard (membership.md, "Ending a subscription", last paragraph;
accounts.md, "Withdrawal")."""

from membership import selectors
from membership.services import errors


def membership_withdrawal_guard(user) -> str | None:
    """``membership_active`` while a subscription is active, past due or cancelling."""
    if selectors.subscription_open(user=user) is not None:
        return errors.MEMBERSHIP_ACTIVE
    return None
