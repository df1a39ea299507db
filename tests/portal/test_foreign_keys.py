"""Every reference is a foreign key of the database, on SQLite and on PostgreSQL: a row
cannot point at a row that does not exist, by insert or update, and a row that others
point at cannot be deleted or renumbered. Audit references (who registered, cleared,
uploaded, changed) and the ledger's included.

The refusals are shown by raw SQL, so that no model rule refuses first, and committed:
Django's foreign keys are checked at commit on both databases.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction

from accounts.models import RosterEntry, TransportCompany, User
from courses.models import Enrollment, ImportBatch
from membership.services.joining import subscription_join
from portal import clock
from tests.courses import factories
from tests.membership.conftest import seoul

MISSING = 10**9
TODAY = dt.date(2026, 3, 2)
FOREIGN_KEY_REFUSED = r"(?i)foreign key constraint"
PROJECT_APPS = ("accounts", "courses", "membership", "sms")


def _references():
    """Every foreign key field of the project's models, except the snapshot columns of
    django-simple-history's rows: they record which row a field named at the time of
    the change, which may be gone later, and are not references (the author of each
    history row, ``history_user``, is one)."""
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            historical = hasattr(model, "instance_type")
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.ForeignKey):
                    continue
                if historical and field.name != "history_user":
                    continue
                yield model, field


@pytest.mark.django_db
def test_every_reference_is_a_foreign_key_of_the_database():
    """Models, their change history (who made each change) and many-to-many tables."""
    checked = []
    with connection.cursor() as cursor:
        for model, field in _references():
            table = model._meta.db_table
            constraints = connection.introspection.get_constraints(cursor, table)
            target = (field.target_field.model._meta.db_table, field.target_field.column)
            found = [
                c
                for c in constraints.values()
                if c["foreign_key"] == target and c["columns"] == [field.column]
            ]
            assert field.db_constraint, f"{table}.{field.column}"
            assert found, f"{table}.{field.column} has no foreign key to {target}"
            checked.append(f"{table}.{field.column}")
    # The audit references are among them.
    assert {
        "courses_enrollment.created_by_id",
        "courses_enrollment.cleared_by_id",
        "courses_enrollment.import_batch_id",
        "courses_importbatch.confirmed_by_id",
        "courses_deadlinechange.changed_by_id",
        "courses_historicalenrollment.history_user_id",
        "accounts_historicaluser.history_user_id",
        "accounts_accessrequest.decided_by_id",
        "membership_refund.actor_id",
        "membership_subscriptionevent.actor_id",
        "membership_journalentry.user_id",
        "membership_journalentry.transaction_id",
    } <= set(checked)


@pytest.fixture
def world(transactional_db):
    """Committed rows that reference each other: an uploaded, registered attempt, a
    roster entry of a transport company, a membership ledger."""
    staff = User.objects.create(username="staff-fk", password="!", is_staff=True)
    partner = factories.partner(password=None)
    course = factories.course()
    now = clock.now()
    batch = ImportBatch.objects.create(
        file_name="a.csv", file_sha256="0" * 64, uploaded_by=staff, uploaded_at=now
    )
    enrollment = Enrollment.objects.create(
        user=partner,
        course=course,
        window_start=TODAY,
        deadline=TODAY,
        created_at=now,
        created_by=staff,
        cleared_by=staff,
        import_batch=batch,
    )
    company = TransportCompany.objects.create(name="참조운수")
    roster = RosterEntry.objects.create(
        phone=partner.phone,
        name=partner.name,
        birth_date=partner.birth_date,
        transport_company=company,
        user=partner,
    )
    member = User.objects.create(
        username="member", password="!", qualification_no="Q-FK-1", driver_type="general"
    )
    with clock.travel(seoul("2024-05-02T10:00")):
        charge = subscription_join(user=member, method="phone")
    return {
        "staff": staff.pk,
        "partner": partner.pk,
        "course": course.pk,
        "batch": batch.pk,
        "enrollment": enrollment.pk,
        "company": company.pk,
        "roster": roster.pk,
        "member": member.pk,
        "subscription": charge.subscription_id,
        "missing": MISSING,
        "now": now,
        "today": TODAY,
    }


def _refused(world, sql: str) -> None:
    with (
        pytest.raises(IntegrityError, match=FOREIGN_KEY_REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, world)


def _enrollment_insert(**columns) -> str:
    values = {
        "user_id": "%(partner)s",
        "course_id": "%(course)s",
        "attempt": "2",
        "window_start": "%(today)s",
        "deadline": "%(today)s",
        "status": "'expired'",
        "lessons_completed": "0",
        "created_at": "%(now)s",
        "created_by_id": "%(staff)s",
        "cleared_by_id": "NULL",
        "import_batch_id": "%(batch)s",
        **columns,
    }
    return (
        f"INSERT INTO courses_enrollment ({', '.join(values)}) "  # noqa: S608 (fixed names)
        f"VALUES ({', '.join(values.values())})"
    )


@pytest.mark.parametrize(
    "sql",
    [
        _enrollment_insert(user_id="%(missing)s"),
        _enrollment_insert(course_id="%(missing)s"),
        _enrollment_insert(created_by_id="%(missing)s"),
        _enrollment_insert(cleared_by_id="%(missing)s"),
        _enrollment_insert(import_batch_id="%(missing)s"),
        "INSERT INTO accounts_rosterentry (phone, name, birth_date, transport_company_id, "
        "qualification_no, driver_type, created_at, updated_at) "
        "VALUES ('01099990000', '새기사', %(today)s, %(missing)s, '', '', %(now)s, %(now)s)",
        "INSERT INTO membership_usage (user_id, kind, at) VALUES (%(missing)s, 'join', %(now)s)",
    ],
    ids=[
        "attempt-partner",
        "attempt-course",
        "attempt-registered-by",
        "attempt-cleared-by",
        "attempt-upload",
        "roster-company",
        "ledger-usage-partner",
    ],
)
def test_a_row_pointing_at_a_missing_row_cannot_be_inserted(world, sql):
    _refused(world, sql)


def test_the_insert_refused_above_is_accepted_with_existing_rows(world):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_enrollment_insert(), world)
    assert Enrollment.objects.filter(user_id=world["partner"], attempt=2).exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE courses_enrollment SET user_id = %(missing)s WHERE id = %(enrollment)s",
        "UPDATE courses_enrollment SET course_id = %(missing)s WHERE id = %(enrollment)s",
        "UPDATE courses_enrollment SET created_by_id = %(missing)s WHERE id = %(enrollment)s",
        "UPDATE courses_enrollment SET cleared_by_id = %(missing)s WHERE id = %(enrollment)s",
        "UPDATE courses_enrollment SET import_batch_id = %(missing)s WHERE id = %(enrollment)s",
        "UPDATE courses_importbatch SET uploaded_by_id = %(missing)s WHERE id = %(batch)s",
        "UPDATE courses_historicalenrollment SET history_user_id = %(missing)s "
        "WHERE id = %(enrollment)s",
        "UPDATE accounts_rosterentry SET transport_company_id = %(missing)s WHERE id = %(roster)s",
        "UPDATE accounts_rosterentry SET user_id = %(missing)s WHERE id = %(roster)s",
        "UPDATE membership_subscription SET user_id = %(missing)s WHERE id = %(subscription)s",
    ],
    ids=[
        "attempt-partner",
        "attempt-course",
        "attempt-registered-by",
        "attempt-cleared-by",
        "attempt-upload",
        "upload-uploaded-by",
        "attempt-history-author",
        "roster-company",
        "roster-account",
        "subscription-partner",
    ],
)
def test_a_reference_cannot_be_changed_to_a_missing_row(world, sql):
    _refused(world, sql)


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM accounts_user WHERE id = %(staff)s",
        "DELETE FROM accounts_user WHERE id = %(partner)s",
        "DELETE FROM accounts_user WHERE id = %(member)s",
        "DELETE FROM courses_course WHERE id = %(course)s",
        "DELETE FROM courses_importbatch WHERE id = %(batch)s",
        "DELETE FROM accounts_transportcompany WHERE id = %(company)s",
        "DELETE FROM membership_subscription WHERE id = %(subscription)s",
        "UPDATE accounts_user SET id = %(missing)s WHERE id = %(partner)s",
        "UPDATE membership_subscription SET id = %(missing)s WHERE id = %(subscription)s",
    ],
    ids=[
        "staff-who-registered",
        "partner-with-attempt",
        "partner-with-ledger",
        "course-with-attempt",
        "upload-with-attempt",
        "company-with-roster",
        "subscription-with-ledger",
        "partner-renumbered",
        "subscription-renumbered",
    ],
)
def test_a_row_others_point_at_cannot_be_deleted_or_renumbered(world, sql):
    _refused(world, sql)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_user WHERE id = %(partner)s", world)
        assert cursor.fetchone()[0] == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_rewritten_tables_leave_room_for_heap_only_updates():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class"
            " WHERE relname IN ('accounts_user', 'membership_subscription') ORDER BY relname"
        )
        assert cursor.fetchall() == [
            ("accounts_user", ["fillfactor=90"]),
            ("membership_subscription", ["fillfactor=50"]),
        ]
