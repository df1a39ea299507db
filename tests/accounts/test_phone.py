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
