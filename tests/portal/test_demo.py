import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_load_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("load_demo")
    first = capsys.readouterr().out
    call_command("load_demo")
    second = capsys.readouterr().out
    assert "staff / Staff1234!" in first
    assert first == second
    staff = get_user_model().objects.get(username="staff")
    assert staff.is_staff and staff.check_password("Staff1234!")
    assert get_user_model().objects.filter(username="staff").count() == 1
