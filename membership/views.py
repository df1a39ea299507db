"""The partner's read-only membership page (membership.md: the ledger kept after the
service ended)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from membership.policy import policy
from membership.selectors import membership_history


@require_safe
@login_required
def history(request: HttpRequest) -> HttpResponse:
    p = policy()
    return render(
        request,
        "membership/history.html",
        {
            "history": membership_history(user=request.user),
            "signups_closed_on": p.signups_close_at.date(),
            "renewals_stopped_on": p.renewals_stop_at.date(),
            "refunds_stopped_on": p.refunds_stop_at.date(),
        },
    )
