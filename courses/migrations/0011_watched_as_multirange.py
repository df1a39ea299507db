"""Watched intervals as a nummultirange on PostgreSQL (JSON text elsewhere): the
progress report merges with the multirange operators instead of through JSON."""

from django.db import migrations

import courses.models

_TABLE = "courses_lessonprogress"


def _to_multirange(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        _alter(apps, schema_editor, forwards=True)
        return
    _retype(
        schema_editor,
        "jsonb",
        "nummultirange",
        "SELECT COALESCE(range_agg(numrange((v ->> 0)::numeric, (v ->> 1)::numeric)), '{}') "
        "FROM jsonb_array_elements(watched) v WHERE (v ->> 1)::numeric > (v ->> 0)::numeric",
    )


def _to_json(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        _alter(apps, schema_editor, forwards=False)
        return
    _retype(
        schema_editor,
        "nummultirange",
        "jsonb",
        "SELECT COALESCE(jsonb_agg(jsonb_build_array(lower(x), upper(x)) ORDER BY x), '[]') "
        "FROM unnest(watched) x",
    )


def _retype(schema_editor, old_type: str, new_type: str, conversion: str):
    """The column as ``new_type``, each value converted by the query ``conversion`` of
    ``watched``: a subquery cannot be a USING expression; a function holding it can."""
    schema_editor.execute(
        f"CREATE FUNCTION pg_temp.watched_as(watched {old_type}) RETURNS {new_type} "
        f"LANGUAGE sql IMMUTABLE AS $$ {conversion} $$"
    )
    schema_editor.execute(
        f"ALTER TABLE {_TABLE} ALTER COLUMN watched TYPE {new_type} "
        "USING pg_temp.watched_as(watched)"
    )
    schema_editor.execute(f"DROP FUNCTION pg_temp.watched_as({old_type})")


def _alter(apps, schema_editor, *, forwards):
    # Elsewhere the column stays text holding the same JSON: only the field changes.
    from django.db import models

    model = apps.get_model("courses", "LessonProgress")
    json_field = models.JSONField(default=list)
    json_field.set_attributes_from_name("watched")
    json_field.model = model
    intervals_field = courses.models.IntervalsField()
    intervals_field.set_attributes_from_name("watched")
    intervals_field.model = model
    old, new = (json_field, intervals_field) if forwards else (intervals_field, json_field)
    schema_editor.alter_field(model, old, new)


class Migration(migrations.Migration):

    dependencies = [
        ("courses", "0010_attempt_statement_references"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="lessonprogress",
                    name="watched",
                    field=courses.models.IntervalsField(),
                ),
            ],
            database_operations=[migrations.RunPython(_to_multirange, _to_json)],
        ),
    ]
