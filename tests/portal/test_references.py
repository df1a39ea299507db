"""References checked once per statement (portal.references): what a foreign key
refuses, these refuse too, for attempts (partner, course) and roster entries (account,
transport company)."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from accounts.models import RosterEntry, Service, TransportCompany, User
from courses.models import Course, CourseKind, Enrollment
from portal import clock
from portal.bulk import rows_insert

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

MISSING = 10**9
TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def partner():
    return User.objects.create_user(username="01012340001", phone="01012340001", name="김기사")


@pytest.fixture
def course():
    service = Service.objects.create(code="ref", name="참조")
    return Course.objects.create(
        code="REF", title="참조 교육", kind=CourseKind.INTRO, service=service
    )


def _attempt(user_id: int, course_id: int, attempt: int = 1) -> Enrollment:
    return Enrollment.objects.create(
        user_id=user_id,
        course_id=course_id,
        attempt=attempt,
        window_start=TODAY,
        deadline=TODAY,
        created_at=clock.now(),
    )


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_attempt_needs_its_partner_and_its_course(partner, course):
    for user_id, course_id in ((MISSING, course.pk), (partner.pk, MISSING)):
        with pytest.raises(IntegrityError, match="is not present"), transaction.atomic():
            _attempt(user_id, course_id)
    assert _attempt(partner.pk, course.pk).pk


def test_one_bad_row_of_a_bulk_insert_writes_nothing(partner, course):
    now = clock.now()
    rows = [(partner.pk, course.pk, n, TODAY, TODAY, now) for n in (1, 2)] + [
        (MISSING, course.pk, 1, TODAY, TODAY, now)
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert(
            Enrollment,
            columns=("user_id", "course_id", "attempt", "window_start", "deadline", "created_at"),
            rows=rows,
        )
    assert not Enrollment.objects.exists()


def test_moving_an_attempt_to_a_missing_partner_or_course_is_refused(partner, course):
    attempt = _attempt(partner.pk, course.pk)
    for column in ("user_id", "course_id"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Enrollment.objects.filter(pk=attempt.pk).update(**{column: MISSING})
    # Saving the attempt with the same partner and course passes; so does a move to a
    # partner who exists.
    attempt.status = "in_progress"
    attempt.save()
    other = User.objects.create_user(username="01012340003", phone="01012340003", name="최기사")
    assert Enrollment.objects.filter(pk=attempt.pk).update(user_id=other.pk) == 1


def test_linking_many_roster_entries_at_once_is_one_checked_statement(partner):
    users = [
        User.objects.create_user(username=f"0101234100{i}", phone=f"0101234100{i}", name="기사")
        for i in range(3)
    ]
    entries = [
        RosterEntry.objects.create(phone=user.phone, name="기사", birth_date=TODAY)
        for user in users
    ]
    # The bulk link accounts_preprovision_many runs: one UPDATE joined to the accounts.
    _sql(
        "UPDATE accounts_rosterentry r SET user_id = u.id FROM accounts_user u"
        " WHERE u.phone = r.phone AND r.id = ANY(%s)",
        [[entry.pk for entry in entries]],
    )
    assert sorted(RosterEntry.objects.values_list("user_id", flat=True)) == sorted(
        user.pk for user in users
    )
    with pytest.raises(IntegrityError, match="is not present"), transaction.atomic():
        _sql(
            "UPDATE accounts_rosterentry SET user_id = user_id + %s WHERE id = ANY(%s)",
            [MISSING, [entry.pk for entry in entries]],
        )


def test_a_referenced_partner_or_course_cannot_be_deleted_or_renumbered(partner, course):
    _attempt(partner.pk, course.pk)
    for table, pk in (("accounts_user", partner.pk), ("courses_course", course.pk)):
        # Straight SQL, past the ORM's PROTECT.
        with pytest.raises(IntegrityError, match="still referenced"), transaction.atomic():
            _sql(f"DELETE FROM {table} WHERE id = %s", [pk])  # noqa: S608
        with pytest.raises(IntegrityError, match="still referenced"), transaction.atomic():
            _sql(f"UPDATE {table} SET id = %s WHERE id = %s", [MISSING, pk])  # noqa: S608
    assert User.objects.filter(pk=partner.pk).exists()


def test_a_roster_entry_needs_its_account_and_lets_it_go_through_the_orm(partner):
    with pytest.raises(IntegrityError), transaction.atomic():
        RosterEntry.objects.create(
            phone="01012340009", name="박기사", birth_date=TODAY, user_id=MISSING
        )
    entry = RosterEntry.objects.create(
        phone="01012340001", name="김기사", birth_date=TODAY, user=partner
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql("DELETE FROM accounts_user WHERE id = %s", [partner.pk])
    partner.delete()  # SET_NULL first, then the account
    entry.refresh_from_db()
    assert entry.user_id is None


def test_a_roster_entry_needs_its_transport_company_and_keeps_it(partner):
    company = TransportCompany.objects.create(name="한빛운수")
    with pytest.raises(IntegrityError, match="transport_company_id"), transaction.atomic():
        RosterEntry.objects.create(
            phone="01012340009", name="박기사", birth_date=TODAY, transport_company_id=MISSING
        )
    entry = RosterEntry.objects.create(
        phone="01012340009", name="박기사", birth_date=TODAY, transport_company=company
    )
    with pytest.raises(IntegrityError, match="is not present"), transaction.atomic():
        RosterEntry.objects.filter(pk=entry.pk).update(transport_company_id=MISSING)
    with pytest.raises(IntegrityError, match="still referenced"), transaction.atomic():
        _sql("DELETE FROM accounts_transportcompany WHERE id = %s", [company.pk])
    # An entry without a company, and a move to no company, need nothing.
    RosterEntry.objects.create(phone="01012340008", name="최기사", birth_date=TODAY)
    RosterEntry.objects.filter(pk=entry.pk).update(transport_company=None)
    company.delete()
    assert RosterEntry.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_new_attempt_holds_its_partner_until_it_commits(partner, course):
    """As a foreign key does: a concurrent delete of the partner waits, it does not slip
    in between the check and the commit."""
    inserted = threading.Event()
    release = threading.Event()

    def enroll():
        with transaction.atomic():
            _attempt(partner.pk, course.pk)
            inserted.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=enroll)
    thread.start()
    try:
        assert inserted.wait(10)
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            _sql("SET LOCAL lock_timeout = '300ms'")
            _sql("DELETE FROM accounts_user WHERE id = %s", [partner.pk])
    finally:
        release.set()
        thread.join()
    assert Enrollment.objects.filter(user=partner).count() == 1


def test_a_range_of_new_partners_is_checked_whole_and_a_gap_is_found(partner, course):
    # Rows written together name consecutive ids: the check reads them as one range.
    other = User.objects.create_user(username="01012340002", phone="01012340002", name="이기사")
    ids = sorted([partner.pk, other.pk])
    assert ids[1] == ids[0] + 1
    now = clock.now()
    columns = ("user_id", "course_id", "attempt", "window_start", "deadline", "created_at")

    def insert(user_ids):
        rows = [(pk, course.pk, 1, TODAY, TODAY, now) for pk in user_ids]
        return rows_insert(Enrollment, columns=columns, rows=rows)

    gap = ids[1] + 1
    with pytest.raises(IntegrityError, match=f"user_id={gap} is not present"), transaction.atomic():
        insert([*ids, gap])
    assert not Enrollment.objects.exists()
    assert len(insert(ids)) == 2
