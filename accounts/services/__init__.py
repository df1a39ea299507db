"""Account domain functions, one module per concept; the common ones re-exported."""

from accounts.services.provisioning import (
    account_force_register,
    account_preprovision,
    accounts_preprovision_many,
    first_login_url,
)
from accounts.services.roster import roster_upsert
from accounts.services.withdrawal import (
    WithdrawalBlocked,
    account_withdraw,
    register_withdrawal_guard,
)

__all__ = [
    "WithdrawalBlocked",
    "account_force_register",
    "account_preprovision",
    "account_withdraw",
    "accounts_preprovision_many",
    "first_login_url",
    "register_withdrawal_guard",
    "roster_upsert",
]
