"""The tables a bulk upload and the daily jobs write carry only the indexes that reads
use: every index is paid for by every written row."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# The pattern-matching copy (varchar_pattern_ops) that stays: Django's own on the ID.
PATTERN_INDEXES_KEPT = {("accounts_user", "username")}
HISTORY_INDEXED_COLUMNS = {"history_id", "id"}


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
    pattern = [d for d in _indexes(table) if "varchar_pattern_ops" in d]
    kept = [
        d for d in pattern if any(t == table and f"({c} " in d for t, c in PATTERN_INDEXES_KEPT)
    ]
    assert pattern == kept


@pytest.mark.parametrize(
    "table",
    ["accounts_historicaluser", "accounts_historicalrosterentry", "courses_historicalenrollment"],
)
def test_history_is_indexed_by_its_key_and_object_only(table):
    columns = set()
    for definition in _indexes(table):
        columns.update(c.strip() for c in definition.split("(", 1)[1].rstrip(")").split(","))
    assert columns == HISTORY_INDEXED_COLUMNS


@pytest.mark.parametrize(
    "table",
    ["accounts_historicaluser", "accounts_historicalrosterentry", "courses_historicalenrollment"],
)
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
    # account, are checked by triggers (portal.references): no foreign key remains.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid IN ('courses_enrollment'::regclass, 'accounts_rosterentry'::regclass)"
            " AND confrelid IN ('accounts_user'::regclass, 'courses_course'::regclass)"
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
