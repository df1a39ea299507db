"""References checked once per statement, for the tables bulk writes fill.

A foreign key checks each new row with its own query when the transaction commits:
100,000 attempts of one upload make 200,000 checks. These functions check the same
rule once per statement, over the rows it wrote (a transition table): every referenced
row must exist, and is locked as a foreign key locks it (``FOR KEY SHARE``) so that no
other transaction deletes it before this one commits; deleting or renumbering a row
that is still referenced is refused. The tables that use them say so in their own
migrations. PostgreSQL only: elsewhere the ORM's ``on_delete`` rules are the check.

Their triggers are written by ``portal.references.references_sql``; the membership
ledger's referenced tables use ``portal_refuse_referenced`` too (membership 0009).

- ``portal_check_references(column, referenced table, ...)``: on the referencing table,
  ``AFTER INSERT ... REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT``, and
  ``AFTER UPDATE ... REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH
  STATEMENT`` (it checks the rows whose column changed; PostgreSQL allows no column
  list on a trigger with transition tables). Linking 100,000 roster entries to their
  accounts is one check, not 100,000 calls of a row trigger.
- ``portal_refuse_referenced(referencing table, column, ...)``: on the referenced table,
  ``AFTER DELETE ... REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT``, and
  ``AFTER UPDATE OF id FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)``.

Both raise ``foreign_key_violation``, which Django reports as ``IntegrityError``. They
run with JIT compilation off: their queries are short.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION portal_check_references() RETURNS trigger
LANGUAGE plpgsql SET jit = off AS $$
-- TG_ARGV: pairs (column, referenced table). After INSERT: the rows in new_rows; after
-- UPDATE: those rows of new_rows whose column changed (old_rows has the rows before).
DECLARE
  i int := 0;
  col text;
  parent text;
  source text;
  wanted bigint;
  low bigint;
  high bigint;
  found bigint;
  missing bigint;
BEGIN
  WHILE i < TG_NARGS LOOP
    col := TG_ARGV[i];
    parent := TG_ARGV[i + 1];
    found := 0;
    missing := NULL;
    IF TG_OP = 'UPDATE' THEN
      source := format(
        '(SELECT n.%1$I FROM new_rows n JOIN old_rows o ON o.id = n.id '
        'WHERE n.%1$I IS DISTINCT FROM o.%1$I)',
        col
      );
    ELSE
      source := 'new_rows';
    END IF;
    EXECUTE format('SELECT count(DISTINCT %1$I), min(%1$I), max(%1$I) FROM %2$s n', col, source)
      INTO wanted, low, high;
    IF wanted > 0 THEN
      IF high - low + 1 = wanted THEN
        -- The values fill a range (rows written together, as by a bulk upload): one
        -- range scan instead of a look-up per value.
        EXECUTE format(
          'SELECT count(*) FROM (SELECT 1 FROM %I p WHERE p.id BETWEEN $1 AND $2'
          ' FOR KEY SHARE OF p) x',
          parent
        ) INTO found USING low, high;
      ELSE
        EXECUTE format(
          'SELECT count(*) FROM (SELECT 1 FROM %I p WHERE p.id IN (SELECT n.%I FROM %s n)'
          ' FOR KEY SHARE OF p) x',
          parent, col, source
        ) INTO found;
      END IF;
      -- A referenced row that a concurrent transaction deleted is not locked: missing.
      IF found < wanted THEN
        EXECUTE format(
          'SELECT n.%1$I FROM %3$s n WHERE n.%1$I IS NOT NULL '
          'AND NOT EXISTS (SELECT 1 FROM %2$I p WHERE p.id = n.%1$I) LIMIT 1',
          col, parent, source
        ) INTO missing;
        RAISE EXCEPTION 'insert or update on table "%" violates its reference to "%": %=% is not present',
          TG_TABLE_NAME, parent, col, missing
          USING ERRCODE = 'foreign_key_violation';
      END IF;
    END IF;
    i := i + 2;
  END LOOP;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION portal_refuse_referenced() RETURNS trigger
LANGUAGE plpgsql SET jit = off AS $$
-- TG_ARGV: pairs (referencing table, column)
DECLARE
  i int := 0;
  used bigint;
BEGIN
  WHILE i < TG_NARGS LOOP
    IF TG_LEVEL = 'STATEMENT' THEN
      EXECUTE format(
        'SELECT o.id FROM old_rows o WHERE EXISTS (SELECT 1 FROM %I c WHERE c.%I = o.id) LIMIT 1',
        TG_ARGV[i], TG_ARGV[i + 1]
      ) INTO used;
    ELSE
      EXECUTE format('SELECT $1 FROM %I c WHERE c.%I = $1 LIMIT 1', TG_ARGV[i], TG_ARGV[i + 1])
        INTO used USING OLD.id;
    END IF;
    IF used IS NOT NULL THEN
      RAISE EXCEPTION 'update or delete on table "%" violates a reference from "%": id % is still referenced',
        TG_TABLE_NAME, TG_ARGV[i], used
        USING ERRCODE = 'foreign_key_violation';
    END IF;
    i := i + 2;
  END LOOP;
  RETURN NULL;
END $$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS portal_check_references()", params=None)
        schema_editor.execute("DROP FUNCTION IF EXISTS portal_refuse_referenced()", params=None)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

