"""The hot ledger references, checked once per INSERT statement instead of once per row.

A billing day inserts a period, a charge attempt and a journal transaction per renewal;
a foreign-key constraint checks every one of their references with its own lookup at
commit. Here, on PostgreSQL, an ``AFTER INSERT … FOR EACH STATEMENT`` trigger checks
all references of the statement's new rows at once (``membership_check_references``):
period → subscription; attempt → partner, subscription, period; journal transaction →
partner, charge. Referenced subscriptions and partners are locked ``FOR KEY SHARE``,
as a foreign key does, so a concurrent delete waits and then fails; periods and charge
attempts are append-only and need no lock. Deleting a subscription or a partner that
ledger rows still reference is refused (``membership_refuse_referenced_delete``), and so
is changing such a row's id. Ledger rows are never updated, so inserts are all there is
to check on their side.

The journal's balance check becomes one aggregate over the statement's new entries:
every transaction they name must exist and their amounts must sum to zero per
transaction. Entries are never updated or deleted, so when every INSERT adds a zero sum
to each transaction, every transaction's total stays zero — without reading the
entries already stored.

The idempotency keys stay UNIQUE, without the second (pattern-matching) index Django
adds to a ``unique=True`` text column: nothing searches them by prefix.

The trigger functions run with JIT compilation off: their queries are short, and
compiling them costs more than running them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


USER = "<the partner table>"  # accounts.User's table, read from the app registry

# (child table, ((column, referenced table, lock?), ...))
REFERENCES = [
    ("membership_period", (("subscription_id", "membership_subscription", True),)),
    (
        "membership_chargeattempt",
        (
            ("user_id", USER, True),
            ("subscription_id", "membership_subscription", True),
            ("period_id", "membership_period", False),
        ),
    ),
    (
        "membership_journaltransaction",
        (
            ("user_id", USER, True),
            ("charge_id", "membership_chargeattempt", False),
        ),
    ),
]
# (referenced table, ((child table, column), ...)): the reverse of REFERENCES for the
# tables whose rows can be deleted (periods and attempts are append-only).
REFERENCED = [
    (
        "membership_subscription",
        (("membership_period", "subscription_id"), ("membership_chargeattempt", "subscription_id")),
    ),
    (
        USER,
        (("membership_chargeattempt", "user_id"), ("membership_journaltransaction", "user_id")),
    ),
]

FUNCTIONS = """
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
    EXECUTE format('SELECT count(DISTINCT %I) FROM new_rows', col) INTO wanted;
    IF wanted > 0 THEN
      EXECUTE format(
        'SELECT count(*) FROM (SELECT 1 FROM %I p WHERE p.id IN (SELECT n.%I FROM new_rows n) %s) x',
        parent, col, CASE WHEN TG_ARGV[i + 2] = 'lock' THEN 'FOR KEY SHARE OF p' ELSE '' END
      ) INTO found;
      IF found < wanted THEN
        EXECUTE format(
          'SELECT n.%1$I FROM new_rows n WHERE n.%1$I IS NOT NULL '
          'AND NOT EXISTS (SELECT 1 FROM %2$I p WHERE p.id = n.%1$I) LIMIT 1',
          col, parent
        ) INTO missing;
        RAISE EXCEPTION 'insert on table "%" violates its reference to "%": %=% is not present',
          TG_TABLE_NAME, parent, col, missing
          USING ERRCODE = 'foreign_key_violation';
      END IF;
    END IF;
    i := i + 3;
  END LOOP;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION membership_refuse_referenced_delete() RETURNS trigger
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

CREATE OR REPLACE FUNCTION membership_check_balanced() RETURNS trigger
LANGUAGE plpgsql SET jit = off AS $$
DECLARE bad bigint;
BEGIN
  SELECT n.transaction_id INTO bad
    FROM (
      SELECT e.transaction_id, sum(e.amount) AS total FROM new_entries e GROUP BY e.transaction_id
    ) n
    LEFT JOIN membership_journaltransaction x ON x.id = n.transaction_id
   WHERE x.id IS NULL OR n.total <> 0
   LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'journal transaction % is missing or does not sum to zero', bad
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
"""

# The balance check of 0005, restored when going back.
OLD_BALANCED = """
CREATE OR REPLACE FUNCTION membership_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad bigint;
BEGIN
  SELECT t.transaction_id INTO bad
    FROM (SELECT DISTINCT n.transaction_id FROM new_entries n) t
    LEFT JOIN membership_journaltransaction x ON x.id = t.transaction_id
    CROSS JOIN LATERAL (
      SELECT sum(e.amount) AS total
        FROM membership_journalentry e
       WHERE e.transaction_id = t.transaction_id
    ) s
   WHERE x.id IS NULL OR s.total <> 0
   LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'journal transaction % is missing or does not sum to zero', bad
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
"""


def _user_table(apps) -> str:
    return apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    user = _user_table(apps)
    run(FUNCTIONS, params=None)
    for table, columns in REFERENCES:
        args = ", ".join(
            f"'{col}', '{user if parent == USER else parent}', '{'lock' if lock else 'append_only'}'"
            for col, parent, lock in columns
        )
        run(
            f"CREATE TRIGGER {table}_references AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION membership_check_references({args})",
            params=None,
        )
    for table, children in REFERENCED:
        table = user if table == USER else table
        args = ", ".join(f"'{child}', '{col}'" for child, col in children)
        run(
            f"CREATE TRIGGER {table}_membership_referenced AFTER DELETE ON {table} "
            "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION membership_refuse_referenced_delete({args})",
            params=None,
        )
        run(
            f"CREATE TRIGGER {table}_membership_referenced_id AFTER UPDATE OF id ON {table} "
            "FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) "
            f"EXECUTE FUNCTION membership_refuse_referenced_delete({args})",
            params=None,
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    user = _user_table(apps)
    for table, _ in REFERENCED:
        table = user if table == USER else table
        run(f"DROP TRIGGER IF EXISTS {table}_membership_referenced ON {table}", params=None)
        run(f"DROP TRIGGER IF EXISTS {table}_membership_referenced_id ON {table}", params=None)
    for table, _ in REFERENCES:
        run(f"DROP TRIGGER IF EXISTS {table}_references ON {table}", params=None)
    run("DROP FUNCTION IF EXISTS membership_refuse_referenced_delete()", params=None)
    run("DROP FUNCTION IF EXISTS membership_check_references()", params=None)
    run(OLD_BALANCED, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('membership', '0006_journal_user_unindexed'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='chargeattempt',
            name='idempotency_key',
            field=models.CharField(max_length=120, verbose_name='중복 방지 키'),
        ),
        migrations.AlterField(
            model_name='chargeattempt',
            name='period',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attempts', to='membership.period'),
        ),
        migrations.AlterField(
            model_name='chargeattempt',
            name='subscription',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attempts', to='membership.subscription'),
        ),
        migrations.AlterField(
            model_name='chargeattempt',
            name='user',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='membership_attempts', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='journaltransaction',
            name='charge',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='journal', to='membership.chargeattempt'),
        ),
        migrations.AlterField(
            model_name='journaltransaction',
            name='idempotency_key',
            field=models.CharField(max_length=120, verbose_name='중복 방지 키'),
        ),
        migrations.AlterField(
            model_name='journaltransaction',
            name='user',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='membership_journal', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='period',
            name='subscription',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='periods', to='membership.subscription'),
        ),
        migrations.AddConstraint(
            model_name='chargeattempt',
            constraint=models.UniqueConstraint(fields=('idempotency_key',), name='membership_attempt_key_once'),
        ),
        migrations.AddConstraint(
            model_name='journaltransaction',
            constraint=models.UniqueConstraint(fields=('idempotency_key',), name='membership_txn_key_once'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
