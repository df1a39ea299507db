import pytest
from django.core.exceptions import ValidationError

from accounts.phone import normalize_phone


@pytest.mark.parametrize(
    "raw",
    [
        "01012345678",
        "010-1234-5678",
        "010 1234 5678",
        " 010.1234.5678 ",
        "+82 10-1234-5678",
        "+821012345678",
        "82 10 1234 5678",
        "821012345678",
        "(010) 1234-5678",
    ],
)
def test_common_forms_normalise(raw):
    assert normalize_phone(raw) == "01012345678"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "abc",
        "010-123-456",
        "02-123-4567",
        "011-123-4567",
        "+1 202 555 0100",
        "0101234567890",
        "\x00",
        "0" * 100,
    ],
)
def test_other_input_is_refused_in_plain_korean(raw):
    with pytest.raises(ValidationError) as error:
        normalize_phone(raw)
    assert "010" in error.value.messages[0]


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["user", "roster"])
def test_a_taken_number_is_reported_on_the_phone_field(model):
    import datetime as dt

    from accounts.models import RosterEntry, User

    if model == "user":
        User.objects.create(username="01012345678", phone="01012345678")
        again = User(username="someone-else", phone="01012345678")
    else:
        RosterEntry.objects.create(
            phone="01012345678", name="기사", birth_date=dt.date(1965, 3, 12)
        )
        again = RosterEntry(phone="01012345678", name="다른 기사", birth_date=dt.date(1970, 1, 1))
    with pytest.raises(ValidationError) as error:
        again.validate_constraints()
    assert list(error.value.message_dict) == ["phone"]
    assert "이미 존재합니다" in error.value.message_dict["phone"][0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "phone",
    [
        "0101234567",  # ten digits
        "010123456789",  # twelve
        "01112345678",  # not 010
        "010-1234-56",  # eleven characters, not all digits
        "0101234567a",
        "010１２３４５６７８",  # full-width digits
        "010 1234567",
        "",
    ],
)
def test_the_database_refuses_a_phone_not_in_the_stored_form(phone):
    from django.db import DataError, IntegrityError, transaction

    from accounts.models import RosterEntry, User

    user = User.objects.create_user(username="check", phone="01099990000", password=None)
    entry = RosterEntry.objects.create(phone="01099990000", name="기사", birth_date="1970-01-01")
    for model, pk in ((User, user.pk), (RosterEntry, entry.pk)):
        # PostgreSQL refuses a twelfth character by the column's length already.
        with pytest.raises((IntegrityError, DataError)), transaction.atomic():
            model.objects.filter(pk=pk).update(phone=phone)
    # The stored form itself passes, and an account may have no phone at all.
    User.objects.filter(pk=user.pk).update(phone="01011112222")
    RosterEntry.objects.filter(pk=entry.pk).update(phone="01011112222")
    User.objects.filter(pk=user.pk).update(phone=None)
