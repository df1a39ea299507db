"""References to append-only rows (periods, charge attempts) need no lock: check them
with one anti-join over the statement's new rows, without counting distinct values."""

from importlib import import_module

from django.db import migrations

CHECK = """
CREATE OR REPLACE FUNCTION membership_check_references() RETURNS trigger
LANGUAGE plpgsql SET jit = off AS $$
-- TG_ARGV: triples (column, referenced table, 'lock' or 'append_only')
DECLARE
  i int := 0;
  col text;
  parent text;
  wanted bigint;
  found bigint;
  missing bigint;
BEGIN
  WHILE i < TG_NARGS LOOP
    col := TG_ARGV[i];
    parent := TG_ARGV[i + 1];
    found := NULL;
    wanted := NULL;
    IF TG_ARGV[i + 2] = 'lock' THEN
      EXECUTE format('SELECT count(DISTINCT %I) FROM new_rows', col) INTO wanted;
      IF wanted > 0 THEN
        EXECUTE format(
          'SELECT count(*) FROM (SELECT 1 FROM %I p WHERE p.id IN (SELECT n.%I FROM new_rows n) '
          'FOR KEY SHARE OF p) x',
          parent, col
        ) INTO found;
      END IF;
    END IF;
    IF found IS NULL OR found < wanted THEN
      EXECUTE format(
        'SELECT n.%1$I FROM new_rows n WHERE n.%1$I IS NOT NULL '
        'AND NOT EXISTS (SELECT 1 FROM %2$I p WHERE p.id = n.%1$I) LIMIT 1',
        col, parent
      ) INTO missing;
      IF missing IS NOT NULL OR found < wanted THEN
        RAISE EXCEPTION 'insert on table "%" violates its reference to "%": %=% is not present',
          TG_TABLE_NAME, parent, col, missing
          USING ERRCODE = 'foreign_key_violation';
      END IF;
    END IF;
    i := i + 3;
  END LOOP;
  RETURN NULL;
END $$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CHECK, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        previous = import_module("membership.migrations.0007_ledger_statement_references")
        schema_editor.execute(previous.FUNCTIONS, params=None)


class Migration(migrations.Migration):
    dependencies = [("membership", "0007_ledger_statement_references")]

    operations = [migrations.RunPython(forwards, backwards)]
