"""Errors to Sentry when ``SENTRY_DSN`` is set: web requests and Celery tasks."""

from __future__ import annotations

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=traces_sample_rate,
        # Partners' phone numbers, names and passwords are personal data: no user, no
        # form bodies, no local variables of the failing frames.
        data_collection={"user_info": False, "http_bodies": [], "stack_frame_variables": False},
    )
