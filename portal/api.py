"""The portal's JSON endpoints (``/api/``): answers for its own scripts, not pages.

The player's progress report is the request the portal serves most (every few seconds
from every partner who is watching a lesson), and it needs little of what a page needs:
no language negotiation, no flash messages, no slash redirects, no allauth context, no
static files. :class:`ApiMiddleware` sends requests under :data:`PREFIX` through the
shorter stack of ``settings.API_MIDDLEWARE`` instead of the rest of
``settings.MIDDLEWARE``; the stack is built and run by Django's own request handler, so
view middleware (the CSRF check), exception middleware and the error views work as on
any page.

What every request gets from the middleware before this one (``SecurityMiddleware``:
the HTTPS redirect, HSTS and the other security headers) an API request gets too, and
its host is checked against ``ALLOWED_HOSTS`` here, as ``CommonMiddleware`` checks a
page's. What an API request must bring for itself: its CSRF token (the endpoints are
POSTs from the portal's own pages) and the session cookie. API answers carry the
closed data policy (:func:`portal.csp.json_answer`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

PREFIX = "/api/"


class _ApiHandler(BaseHandler):
    """Django's handler with the middleware of ``paths``, synchronous only (the portal
    runs under WSGI): what ``BaseHandler.load_middleware`` builds from
    ``settings.MIDDLEWARE``, for another list."""

    def __init__(self, paths: list[str]) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(paths):
            factory = import_string(path)
            if not getattr(factory, "sync_capable", True):
                raise ImproperlyConfigured(f"API_MIDDLEWARE: {path} cannot run synchronously.")
            try:
                middleware = factory(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


class ApiMiddleware:
    """Requests under :data:`PREFIX` go through ``settings.API_MIDDLEWARE`` and the
    view; every other request goes on through the rest of ``settings.MIDDLEWARE``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.api = _ApiHandler(settings.API_MIDDLEWARE)._middleware_chain

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(PREFIX):
            # A host outside ALLOWED_HOSTS raises DisallowedHost: a 400, as for pages.
            request.get_host()
            return self.api(request)
        return self.get_response(request)
