"""The reminder rule reads the password's own dates instead of a stored due time.

A stored due time fixed the 180 days at the moment of each password change and had to
be kept in step by every path that touches a password. Now the job compares
``password_changed_at`` with the setting and with ``password_reminded_at``, the time of
the last reminder: one reminder per password age cycle, whatever path set the password.
"""

from django.db import migrations, models
from django.db.models.functions import Now


def leave_room_for_updates(apps, schema_editor):
    # Accounts are updated in place (last login, reminders, the prompt's postponement)
    # on columns no index covers: free room on each page keeps those updates on the
    # page (HOT), without a new entry in each of the table's indexes.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE accounts_user SET (fillfactor = 90)")


def leave_pages_full(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE accounts_user RESET (fillfactor)")


def remember_sent_reminders(apps, schema_editor):
    # A password whose due time was cleared has had its reminder (or never gets one:
    # staff-set and pre-provisioned passwords); mark the current cycle as reminded.
    User = apps.get_model("accounts", "User")
    User.objects.filter(
        password_reminder_due_at__isnull=True, password_changed_at__isnull=False
    ).update(password_reminded_at=Now())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roster_codes_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="password_reminded_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="비밀번호 안내 문자 보낸 때"
            ),
        ),
        migrations.RunPython(remember_sent_reminders, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="user", name="user_pw_reminder_due"),
        migrations.RemoveField(model_name="user", name="password_reminder_due_at"),
        migrations.RunPython(leave_room_for_updates, leave_pages_full),
    ]
