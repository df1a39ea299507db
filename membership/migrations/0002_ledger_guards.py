"""PostgreSQL guards of the ledger: append-only tables and balanced journal entries.

Ledger rows cannot be updated or deleted (a statement trigger raises). Every INSERT
into the journal entries checks, for the transactions it touched, that their entries
sum to zero (the service inserts all entries of a transaction in one statement).
"""

from django.db import migrations

APPEND_ONLY = [
    "membership_period",
    "membership_chargeattempt",
    "membership_refund",
    "membership_payback",
    "membership_paybackclawback",
    "membership_usage",
    "membership_rating",
    "membership_journaltransaction",
    "membership_journalentry",
    "membership_subscriptionevent",
]

FUNCTIONS = """
CREATE OR REPLACE FUNCTION membership_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'membership ledger rows are append-only (% on %)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END $$;

CREATE OR REPLACE FUNCTION membership_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad bigint;
BEGIN
  SELECT e.transaction_id INTO bad
    FROM membership_journalentry e
   WHERE e.transaction_id IN (SELECT DISTINCT n.transaction_id FROM new_entries n)
   GROUP BY e.transaction_id
  HAVING sum(e.amount) <> 0
   LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'journal transaction % does not sum to zero', bad
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS, params=None)
    for table in APPEND_ONLY:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION membership_refuse_change()",
            params=None,
        )
    schema_editor.execute(
        "CREATE TRIGGER membership_journalentry_balanced AFTER INSERT ON membership_journalentry "
        "REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT "
        "EXECUTE FUNCTION membership_check_balanced()",
        params=None,
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS membership_journalentry_balanced ON membership_journalentry"
    )
    for table in APPEND_ONLY:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS membership_refuse_change()")
    schema_editor.execute("DROP FUNCTION IF EXISTS membership_check_balanced()")


class Migration(migrations.Migration):
    dependencies = [("membership", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
