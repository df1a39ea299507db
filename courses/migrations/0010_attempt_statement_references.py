"""An attempt's partner and course: checked by the database once per statement
(portal 0001) instead of by a foreign key per row."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from portal.references import references_operation


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0001_statement_references'),
        ('courses', '0009_import_rows_packed'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='enrollment',
            name='course',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='enrollments', to='courses.course', verbose_name='과정'),
        ),
        migrations.AlterField(
            model_name='enrollment',
            name='user',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='enrollments', to=settings.AUTH_USER_MODEL, verbose_name='파트너'),
        ),
        references_operation('courses_enrollment', [('user_id', 'accounts_user'), ('course_id', 'courses_course')]),
    ]
