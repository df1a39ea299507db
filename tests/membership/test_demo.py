"""The membership demo data loads twice without change and reconciles."""

import pytest

from membership import demo
from membership.models import ChargeAttempt, Subscription
from membership.services.reconcile import ledger_reconcile


@pytest.mark.django_db
def test_demo_is_idempotent_and_reconciles():
    lines = demo.load()
    counts = (Subscription.objects.count(), ChargeAttempt.objects.count())
    assert demo.load() == lines
    assert (Subscription.objects.count(), ChargeAttempt.objects.count()) == counts
    assert counts == (3, 7)  # 5 renewals to the end, 2 joins
    assert ledger_reconcile() == []
    assert all(s.status == "ended" for s in Subscription.objects.all())
