"""Cheaper rows for bulk writes: fewer and cheaper index entries per account and entry.

- The username is unique through a constraint, as the phone is (0005): no second,
  pattern-matching index copy.
- A roster entry's transport company is checked once per statement (portal 0001), and
  indexed only for the entries that have one; an account's qualification number is
  indexed only where there is one.
- Usernames and phone numbers compare byte by byte, and the history rows draw their ids
  in blocks (``portal.bulk_schema``).
"""

import django.contrib.auth.validators
import django.db.models.deletion
from django.db import migrations, models

from portal.bulk_schema import byte_order_operation, sequence_cache_operation
from portal.references import references_extend_operation


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_phone_check_without_regex'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('portal', '0001_statement_references'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='user',
            name='user_qualification_no',
        ),
        migrations.AlterField(
            model_name='historicaluser',
            name='username',
            field=models.CharField(error_messages={'unique': '이미 쓰고 있는 아이디입니다.'}, help_text='150자 이내. 영문, 숫자와 @/./+/-/_ 만 쓸 수 있습니다.', max_length=150, validators=[django.contrib.auth.validators.UnicodeUsernameValidator()], verbose_name='아이디'),
        ),
        migrations.AlterField(
            model_name='rosterentry',
            name='transport_company',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='roster_entries', to='accounts.transportcompany', verbose_name='운수사'),
        ),
        migrations.AlterField(
            model_name='user',
            name='username',
            field=models.CharField(error_messages={'unique': '이미 쓰고 있는 아이디입니다.'}, help_text='150자 이내. 영문, 숫자와 @/./+/-/_ 만 쓸 수 있습니다.', max_length=150, validators=[django.contrib.auth.validators.UnicodeUsernameValidator()], verbose_name='아이디'),
        ),
        migrations.AddIndex(
            model_name='rosterentry',
            index=models.Index(condition=models.Q(('transport_company__isnull', False)), fields=['transport_company'], name='roster_transport_company'),
        ),
        migrations.AddIndex(
            model_name='user',
            index=models.Index(condition=models.Q(('qualification_no', ''), _negated=True), fields=['qualification_no'], name='user_qualification_no'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(fields=('username',), name='user_username_unique'),
        ),
        references_extend_operation(
            'accounts_rosterentry',
            existing=[('user_id', 'accounts_user')],
            added=[('transport_company_id', 'accounts_transportcompany')],
        ),
        byte_order_operation('accounts_user', ['username', 'phone']),
        byte_order_operation('accounts_rosterentry', ['phone']),
        sequence_cache_operation('accounts_historicaluser', 'history_id', 1000),
        sequence_cache_operation('accounts_historicalrosterentry', 'history_id', 1000),
    ]
