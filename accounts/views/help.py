"""Help pages: 파트너 가입 per service with 가입 문의, and the guide centre's hours.

accounts.md, "Help pages"; seed 000 Q2 and Q3.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.forms import SignupInquiryForm
from accounts.models import Service
from accounts.ratelimits import LIMITED_MESSAGE, rate_allow
from accounts.services.inquiries import inquiry_create


def join_index(request: HttpRequest) -> HttpResponse:
    context = {"services": Service.objects.all()}
    return render(request, "accounts/help/join_index.html", context)


@require_http_methods(["GET", "POST"])
def join_service(request: HttpRequest, code: str) -> HttpResponse:
    service = get_object_or_404(Service, code=code)
    form = SignupInquiryForm(request.POST or None, initial={"service": service.pk})
    if request.method == "POST" and form.is_valid():
        if not rate_allow(request, action="signup_inquiry"):
            form.add_error(None, LIMITED_MESSAGE)
        else:
            inquiry_create(
                service=form.cleaned_data["service"],
                name=form.cleaned_data["name"],
                phone=form.cleaned_data["phone"],
                question=form.cleaned_data["question"],
            )
            messages.success(request, "가입 문의를 남겼어요. 담당자가 확인한 뒤 문자로 답변드려요.")
            return redirect("accounts:join_service", code=service.code)
    context = {"service": service, "form": form}
    return render(request, "accounts/help/join_service.html", context)


def guide_centre(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/help/guide_centre.html")
