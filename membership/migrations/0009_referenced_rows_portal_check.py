"""Deleting (or renumbering) a subscription or partner that ledger rows reference is
refused by ``portal_refuse_referenced`` (portal 0001), the check the attempts and roster
entries use too, instead of this app's copy of it (``membership_refuse_referenced_delete``
of 0007, the same function under another name). The triggers keep their names and
arguments."""

from importlib import import_module

from django.db import migrations

REFERENCES = import_module("membership.migrations.0007_ledger_statement_references")
CHECK = import_module("membership.migrations.0008_reference_check_anti_join").CHECK


def _triggers(apps, function: str) -> list[str]:
    user = REFERENCES._user_table(apps)
    statements = []
    for table, children in REFERENCES.REFERENCED:
        table = user if table == REFERENCES.USER else table
        args = ", ".join(f"'{child}', '{col}'" for child, col in children)
        statements += [
            f"DROP TRIGGER {table}_membership_referenced ON {table}",
            f"CREATE TRIGGER {table}_membership_referenced AFTER DELETE ON {table} "
            "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {function}({args})",
            f"DROP TRIGGER {table}_membership_referenced_id ON {table}",
            f"CREATE TRIGGER {table}_membership_referenced_id AFTER UPDATE OF id ON {table} "
            "FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) "
            f"EXECUTE FUNCTION {function}({args})",
        ]
    return statements


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in _triggers(apps, "portal_refuse_referenced"):
        schema_editor.execute(statement, params=None)
    schema_editor.execute("DROP FUNCTION membership_refuse_referenced_delete()", params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # 0007's functions bring the copy back; 0008's reference check then replaces 0007's.
    schema_editor.execute(REFERENCES.FUNCTIONS, params=None)
    schema_editor.execute(CHECK, params=None)
    for statement in _triggers(apps, "membership_refuse_referenced_delete"):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0008_reference_check_anti_join"),
        ("portal", "0001_statement_references"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
