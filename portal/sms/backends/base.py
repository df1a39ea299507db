"""What every SMS backend does: send one message, and say whether one was already taken."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portal.sms.models import OutboxMessage


class SmsTemporaryFailure(Exception):
    """The gateway did not take the message this time (down, timeout, 5xx): try again.

    The outcome may be unknown (a timeout after the request left), so the next attempt
    first asks the backend whether the message arrived (``find_sent``).
    """


class SmsRejected(Exception):
    """The gateway refused the message for good (bad number, bad request): do not retry."""


class SmsBackend:
    """Base class. Subclasses implement ``send`` and, where they can, ``find_sent``."""

    def open(self) -> None:
        """Prepare for a batch of sends (a connection, a session)."""

    def close(self) -> None:
        """Release what ``open`` took."""

    def send(self, message: OutboxMessage) -> str:
        """Hand ``message`` over; return the provider's message id ("" if it has none).

        Raises SmsTemporaryFailure or SmsRejected.
        """
        raise NotImplementedError

    def find_sent(self, message: OutboxMessage) -> str | None:
        """The provider id of a message already taken under ``message.idempotency_key``.

        Called before re-sending a message whose earlier attempt has an unknown outcome.
        ``None`` means "not taken, send it". Raises SmsTemporaryFailure when the answer
        cannot be had now.
        """
        return None

    def __enter__(self) -> SmsBackend:
        self.open()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
