"""The benchmark's baseline route exists only under the bench's own settings."""

import os
import subprocess
import sys

import pytest
from django.urls import Resolver404, resolve

from tests.portal.test_settings import PRODUCTION_ENV, ROOT, run_manage


def test_bench_hello_is_not_a_portal_route(client):
    with pytest.raises(Resolver404):
        resolve("/bench/hello")
    assert client.get("/bench/hello").status_code == 404


def test_bench_hello_is_not_a_route_in_production_mode():
    code = (
        "from django.conf import settings; from django.urls import Resolver404, resolve\n"
        "try:\n    resolve('/bench/hello'); print(settings.ROOT_URLCONF, 'found')\n"
        "except Resolver404:\n    print(settings.ROOT_URLCONF, 'missing')\n"
    )
    result = run_manage(PRODUCTION_ENV, "shell", "-c", code)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split()[-2:] == ["portal.urls", "missing"], result.stdout + result.stderr


def test_the_bench_settings_serve_hello_beside_the_portal_urls():
    code = (
        "import django; django.setup()\n"
        "from django.test import Client; from django.urls import reverse\n"
        "hello = Client().get('/bench/hello', headers={'host': '127.0.0.1'})\n"
        "print(hello.status_code, hello.content.decode(), reverse('courses:dashboard'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in {*PRODUCTION_ENV, "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "bench.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["200", "hello", "/courses/"], result.stdout + result.stderr
