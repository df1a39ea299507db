"""Pages that belong to no single app: the home page and error pages (the probes' answers
are in portal/health.py)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.http import require_safe


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponseNotFound(loader.render_to_string("404.html", request=request))


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context here: whatever failed may fail again while rendering it.
    context = {"guide_centre_phone": settings.GUIDE_CENTRE_PHONE}
    return HttpResponseServerError(loader.render_to_string("500.html", context))
