"""The phone checks test the stored form (010 and 8 digits) with plain string functions
instead of a regular expression: the same rule, cheaper for the bulk upload's writes."""

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_roster_user_statement_reference'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='rosterentry',
            name='roster_phone_normalised',
        ),
        migrations.RemoveConstraint(
            model_name='user',
            name='user_phone_normalised',
        ),
        migrations.AddConstraint(
            model_name='rosterentry',
            constraint=models.CheckConstraint(condition=models.Q(('phone__startswith', '010'), django.db.models.lookups.Exact(django.db.models.functions.text.Length('phone'), 11), django.db.models.lookups.Exact(models.Func(models.F('phone'), models.Value('0123456789'), function='LTRIM'), models.Value(''))), name='roster_phone_normalised'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(('phone__isnull', True), models.Q(('phone__startswith', '010'), django.db.models.lookups.Exact(django.db.models.functions.text.Length('phone'), 11), django.db.models.lookups.Exact(models.Func(models.F('phone'), models.Value('0123456789'), function='LTRIM'), models.Value(''))), _connector='OR'), name='user_phone_normalised'),
        ),
    ]
