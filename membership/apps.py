from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = "프로멤버십 원장"

    def ready(self) -> None:
        from membership.gateway import fake  # noqa: F401  (the default gateway)

        try:
            from accounts.services.withdrawal import register_withdrawal_guard
        except ImportError:  # the accounts withdrawal flow is not installed in this build
            return
        from membership.services.guard import membership_withdrawal_guard

        register_withdrawal_guard(membership_withdrawal_guard)
