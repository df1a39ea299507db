"""The tables a bulk upload and the daily jobs write carry only the indexes that reads
use: every index is paid for by every written row."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

HISTORY_INDEXED_COLUMNS = {"history_id", "id"}
# Identifier columns in byte order (portal.bulk_schema), by the migration that set it.
BYTE_ORDER_COLUMNS = [
    ("accounts_user", "username"),
    ("accounts_user", "phone"),
    ("accounts_rosterentry", "phone"),
    ("courses_enrollment", "import_key"),
    ("courses_enrollment", "status"),
    ("sms_outboxmessage", "idempotency_key"),
    ("sms_outboxmessage", "to"),
    ("sms_outboxmessage", "kind"),
    ("sms_outboxmessage", "status"),
]
HISTORY_TABLES = [
    "accounts_historicaluser",
    "accounts_historicalrosterentry",
    "courses_historicalenrollment",
]


def _indexes(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize(
    "table",
    [
        "accounts_user",
        "accounts_rosterentry",
        "accounts_historicaluser",
        "accounts_historicalrosterentry",
        "courses_enrollment",
        "courses_historicalenrollment",
        "sms_outboxmessage",
    ],
)
def test_no_pattern_index_nothing_searches_with(table):
    # A pattern-matching copy (varchar_pattern_ops) of a unique or indexed column; the
    # byte-order columns' own indexes serve a prefix search.
    assert [d for d in _indexes(table) if "varchar_pattern_ops" in d] == []


@pytest.mark.parametrize(("table", "column"), BYTE_ORDER_COLUMNS)
def test_identifiers_compare_byte_by_byte(table, column):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT collation_name FROM information_schema.columns"
            " WHERE table_name = %s AND column_name = %s",
            [table, column],
        )
        assert cursor.fetchone() == ("C",)


def test_a_byte_order_column_still_finds_what_the_language_order_finds():
    from accounts.models import User

    User.objects.create_user(username="01055550001", phone="01055550001", name="김기사")
    User.objects.create_user(username="staff.kim", name="김관리")
    assert list(
        User.objects.filter(username__startswith="0105").values_list("phone", flat=True)
    ) == ["01055550001"]
    assert list(User.objects.order_by("username").values_list("username", flat=True)) == [
        "01055550001",
        "staff.kim",
    ]


@pytest.mark.parametrize("table", HISTORY_TABLES)
def test_history_rows_draw_their_ids_in_blocks(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seqcache FROM pg_sequence"
            " WHERE seqrelid = pg_get_serial_sequence(%s, 'history_id')::regclass",
            [table],
        )
        assert cursor.fetchone() == (1000,)


@pytest.mark.parametrize(
    ("table", "index", "condition"),
    [
        ("accounts_user", "user_qualification_no", "NOT ((qualification_no)::text = ''::text)"),
        ("accounts_rosterentry", "roster_transport_company", "transport_company_id IS NOT NULL"),
    ],
)
def test_rows_without_the_value_are_not_indexed(table, index, condition):
    definition = [d for d in _indexes(table) if f" {index} " in d]
    assert len(definition) == 1
    assert condition in definition[0]


@pytest.mark.parametrize("table", HISTORY_TABLES)
def test_history_is_indexed_by_its_key_and_object_only(table):
    columns = set()
    for definition in _indexes(table):
        columns.update(c.strip() for c in definition.split("(", 1)[1].rstrip(")").split(","))
    assert columns == HISTORY_INDEXED_COLUMNS


@pytest.mark.parametrize("table", HISTORY_TABLES)
def test_history_rows_have_no_foreign_key_to_check(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass",
            [table],
        )
        assert cursor.fetchone()[0] == 0


def test_attempts_and_roster_entries_check_their_references_per_statement_not_per_row():
    # Who registered, cleared or uploaded an attempt is kept by the ORM (PROTECT,
    # SET_NULL). The partner and the course of an attempt, and a roster entry's
    # account and transport company, are checked by triggers (portal.references): no
    # foreign key remains.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid IN ('courses_enrollment'::regclass, 'accounts_rosterentry'::regclass)"
            " AND confrelid IN ('accounts_user'::regclass, 'courses_course'::regclass,"
            " 'accounts_transportcompany'::regclass)"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal"
            " AND tgrelid IN ('courses_enrollment'::regclass, 'accounts_rosterentry'::regclass)"
            " ORDER BY 1, 2"
        )
        assert cursor.fetchall() == [
            ("accounts_rosterentry", "accounts_rosterentry_references"),
            ("accounts_rosterentry", "accounts_rosterentry_references_changed"),
            ("courses_enrollment", "courses_enrollment_references"),
            ("courses_enrollment", "courses_enrollment_references_changed"),
        ]
