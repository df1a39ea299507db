"""Random input to every accounts form: never a 500, nothing half-written."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db

junk = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "010-1234-5678",
            "+82 10 1234 5678",
            "19650312",
            "1965-02-30",
            "123456",
            "Blue1234!",
            "\x00",
            "0" * 300,
            "<script>",
            "김기사",
        ]
    ),
)
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _fields(*names: str):
    return st.fixed_dictionaries({name: junk for name in names})


def _ok(response) -> None:
    assert response.status_code < 500


FORMS = {
    "account_login": ("login", "password"),
    "account_signup": (
        "username",
        "name",
        "birth_date",
        "code",
        "password1",
        "password2",
        "agree_terms",
        "agree_privacy",
    ),
    "accounts:signup_code": ("username", "name", "birth_date"),
    "accounts:password_set": ("login_id",),
}


@pytest.mark.parametrize("url_name", list(FORMS))
def test_visitor_forms_never_fail(client, roster, url_name):
    @FUZZ
    @given(data=_fields(*FORMS[url_name]))
    def run(data):
        from django.core.cache import cache

        cache.clear()
        _ok(client.post(reverse(url_name), data))

    run()


def test_password_set_steps_never_fail(client, partner):
    @FUZZ
    @given(
        identity=_fields("birth_date", "phone"),
        name=_fields("name", "action"),
        code=_fields("code", "action"),
        passwords=_fields("password1", "password2"),
    )
    def run(identity, name, code, passwords):
        from django.core.cache import cache

        cache.clear()
        session = client.session
        session["accounts_password_set"] = {
            "id": "01012345678",
            "birth": "1965-03-12",
            "phone": "01012345678",
            "name": "김기사",
            "verified_user": partner.pk,
            "verified_at": time.time(),
        }
        session.save()
        _ok(client.post(reverse("accounts:password_set_identity"), identity))
        _ok(client.post(reverse("accounts:password_set_code"), name))
        _ok(client.post(reverse("accounts:password_set_code"), code))
        _ok(client.post(reverse("accounts:password_set_new"), passwords))

    run()


MEMBER_FORMS = {
    "account_reauthenticate": ("password",),
    "accounts:member_info": ("password1", "password2"),
    "accounts:phone_change": ("new_phone", "code", "action"),
    "accounts:access_request": ("service", "reason"),
    "accounts:password_prompt": ("password1", "password2", "action", "next"),
    "accounts:reauth_sms": ("code", "action", "next"),
}


@pytest.mark.parametrize("url_name", list(MEMBER_FORMS))
def test_member_forms_never_fail(client, partner, services, url_name):
    client.post(reverse("account_login"), {"login": partner.phone, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    @FUZZ
    @given(data=_fields(*MEMBER_FORMS[url_name]))
    def run(data):
        from django.core.cache import cache

        cache.clear()
        _ok(client.post(reverse(url_name), data))

    run()


def test_inquiry_form_never_fails(client, services):
    @FUZZ
    @given(data=_fields("service", "name", "phone", "question", "agree_privacy"))
    def run(data):
        from django.core.cache import cache

        cache.clear()
        _ok(client.post(reverse("accounts:join_service", args=["blue"]), data))

    run()


def test_kakao_signup_form_never_fails(client, fake_kakao, roster):
    from tests.accounts.test_kakao import kakao_round_trip

    fake_kakao.next_profile(kakao_id=1, name="김기사", phone="+82 10-1234-5678")
    kakao_round_trip(client, fake_kakao)

    @FUZZ
    @given(data=_fields("name", "birth_date", "agree_terms", "agree_privacy"))
    def run(data):
        data.pop("agree_terms", None)  # never completes: keeps the pending sign-up open
        _ok(client.post(reverse("socialaccount_signup"), data))

    run()


def test_staff_forms_never_fail(client, django_user_model, company, services):
    from django.core.files.uploadedfile import SimpleUploadedFile

    staff = django_user_model.objects.create_superuser(username="staff", password="Staff1234!")
    client.force_login(staff)

    @FUZZ
    @given(
        data=_fields("phone", "name", "birth_date", "qualification_no", "driver_type", "password"),
        upload=st.binary(max_size=300),
        name=st.sampled_from(["a.csv", "a.xlsx", "a.txt"]),
        rows=st.lists(st.lists(junk, min_size=7, max_size=7), max_size=5),
    )
    def run(data, upload, name, rows):
        import csv
        import io

        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(
            ["휴대폰 번호", "이름", "생년월일", "운수사", "자격번호", "기사 유형", "서비스"]
        )
        writer.writerows(rows)
        _ok(
            client.post(
                reverse("admin:accounts_rosterentry_import"),
                {"file": SimpleUploadedFile("rows.csv", text.getvalue().encode())},
            )
        )
        _ok(client.post(reverse("admin:accounts_rosterentry_force_register"), data))
        _ok(
            client.post(
                reverse("admin:accounts_rosterentry_import"),
                {"file": SimpleUploadedFile(name, upload)},
            )
        )

    run()
