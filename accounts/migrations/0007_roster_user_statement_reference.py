"""A roster entry's account: checked by the database once per statement
(portal 0001) instead of by a foreign key per row."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from portal.references import references_operation


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0001_statement_references'),
        ('accounts', '0006_bulk_history_no_date_or_author_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='rosterentry',
            name='user',
            field=models.OneToOneField(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='roster_entry', to=settings.AUTH_USER_MODEL, verbose_name='회원'),
        ),
        references_operation('accounts_rosterentry', [('user_id', 'accounts_user')]),
    ]
