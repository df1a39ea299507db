"""The triggers that check a table's references once per statement (PostgreSQL).

The functions they call, and why, are in ``portal/migrations/0001_statement_references``.
Migrations add them with ``references_operation`` and fixed table names; changing the
names written here needs a migration that moves the triggers already made.
"""

from django.db import migrations


def references_operation(child: str, references: list[tuple[str, str]]) -> migrations.RunPython:
    """The migration step that adds ``child``'s reference triggers (and drops them when
    migrating back); nothing on databases other than PostgreSQL."""
    create, drop = references_sql(child, references)
    return migrations.RunPython(_run(create), _run(drop))


def references_extend_operation(
    child: str, existing: list[tuple[str, str]], added: list[tuple[str, str]]
) -> migrations.RunPython:
    """The migration step that adds ``added`` to the references ``child``'s triggers
    already check (``existing``), and takes them out again when migrating back."""
    before_create, before_drop = references_sql(child, existing)
    after_create, after_drop = references_sql(child, existing + added)
    added_create, added_drop = references_sql(child, added)
    # The child's own two triggers come first in each list; the parents' follow.
    forwards = before_drop[:2] + after_create[:2] + added_create[2:]
    backwards = after_drop[:2] + added_drop[2:] + before_create[:2]
    return migrations.RunPython(_run(forwards), _run(backwards))


def _run(statements: list[str]):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return operation


def references_sql(child: str, references: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """(create, drop) statements for ``child``'s references ``[(column, parent), ...]``:
    the child's two statement triggers (inserted rows, updated rows) and each parent's
    two (deleted rows, changed ids)."""
    args = ", ".join(f"'{column}', '{parent}'" for column, parent in references)
    create = [
        f"CREATE TRIGGER {child}_references AFTER INSERT ON {child} "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION portal_check_references({args})",
        f"CREATE TRIGGER {child}_references_changed AFTER UPDATE ON {child} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION portal_check_references({args})",
    ]
    drop = [
        f"DROP TRIGGER IF EXISTS {child}_references ON {child}",
        f"DROP TRIGGER IF EXISTS {child}_references_changed ON {child}",
    ]
    for column, parent in references:
        name = f"{parent}_{child}_{column}"[:55]
        create += [
            f"CREATE TRIGGER {name}_del AFTER DELETE ON {parent} "
            "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION portal_refuse_referenced('{child}', '{column}')",
            f"CREATE TRIGGER {name}_id AFTER UPDATE OF id ON {parent} "
            "FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) "
            f"EXECUTE FUNCTION portal_refuse_referenced('{child}', '{column}')",
        ]
        drop += [
            f"DROP TRIGGER IF EXISTS {name}_del ON {parent}",
            f"DROP TRIGGER IF EXISTS {name}_id ON {parent}",
        ]
    return create, drop
