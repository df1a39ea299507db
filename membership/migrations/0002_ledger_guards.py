"""The ledger's guards in the database (membership.md, "The ledger").

- Append-only: rows of the ledger tables are never updated or deleted. PostgreSQL
  refuses UPDATE and DELETE statements on them, and a TRUNCATE that would remove rows;
  SQLite refuses each updated or deleted row.
- An entry's partner is its transaction's: on PostgreSQL a foreign key from the entry's
  (transaction, partner) pair to the transaction's (id, partner), the same check as
  every other reference; SQLite cannot add a foreign key to an existing table, so a
  trigger checks each inserted entry there (updates are refused by the guard above).
- Balanced: on PostgreSQL, the entries an INSERT writes must leave each of their
  transactions summing to zero (the journal writes all entries of a transaction in one
  statement). SQLite has no statement triggers; the journal service checks first.

SQLite rebuilds a table to alter it, without its triggers: a later migration that
alters one of these tables there must create its triggers again (the tests in
``tests/membership/test_ledger_guards.py`` fail when one is missing).
"""

from django.db import migrations

APPEND_ONLY = [
    "membership_subscriptionevent",
    "membership_period",
    "membership_chargeattempt",
    "membership_refund",
    "membership_payback",
    "membership_paybackclawback",
    "membership_usage",
    "membership_rating",
    "membership_journaltransaction",
    "membership_journalentry",
]

POSTGRESQL = [
    """
    CREATE FUNCTION membership_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'membership ledger rows are append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
    END $$
    """,
    """
    CREATE FUNCTION membership_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE found boolean;
    BEGIN
      EXECUTE format('SELECT EXISTS (SELECT FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME)
        INTO found;
      IF found THEN
        RAISE EXCEPTION 'membership ledger rows are append-only (TRUNCATE on %)', TG_TABLE_NAME
          USING ERRCODE = 'restrict_violation';
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION membership_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE bad bigint;
    BEGIN
      SELECT e.transaction_id INTO bad
        FROM membership_journalentry e
       WHERE e.transaction_id IN (SELECT n.transaction_id FROM new_entries n)
       GROUP BY e.transaction_id
      HAVING sum(e.amount) <> 0
       LIMIT 1;
      IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'journal transaction % does not sum to zero', bad
          USING ERRCODE = 'check_violation';
      END IF;
      RETURN NULL;
    END $$
    """,
    *(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION membership_refuse_change()"
        for table in APPEND_ONLY
    ),
    *(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION membership_refuse_truncate()"
        for table in APPEND_ONLY
    ),
    "CREATE TRIGGER membership_journalentry_balanced AFTER INSERT ON membership_journalentry "
    "REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT "
    "EXECUTE FUNCTION membership_check_balanced()",
    "ALTER TABLE membership_journalentry ADD CONSTRAINT membership_entry_partner_is_txn_partner "
    "FOREIGN KEY (transaction_id, user_id) "
    "REFERENCES membership_journaltransaction (id, user_id)",
]

POSTGRESQL_BACK = [
    "ALTER TABLE membership_journalentry "
    "DROP CONSTRAINT membership_entry_partner_is_txn_partner",
    "DROP TRIGGER membership_journalentry_balanced ON membership_journalentry",
    *(f"DROP TRIGGER {table}_no_truncate ON {table}" for table in APPEND_ONLY),
    *(f"DROP TRIGGER {table}_append_only ON {table}" for table in APPEND_ONLY),
    "DROP FUNCTION membership_check_balanced()",
    "DROP FUNCTION membership_refuse_truncate()",
    "DROP FUNCTION membership_refuse_change()",
]

SQLITE = [
    *(
        f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'membership ledger rows are append-only "
        f"({operation} on {table})'); END"
        for table in APPEND_ONLY
        for operation in ("UPDATE", "DELETE")
    ),
    "CREATE TRIGGER membership_journalentry_partner BEFORE INSERT ON membership_journalentry "
    "WHEN NEW.user_id IS NOT (SELECT t.user_id FROM membership_journaltransaction t "
    "WHERE t.id = NEW.transaction_id) "
    "BEGIN SELECT RAISE(ABORT, 'journal entry partner is not its transaction''s partner'); END",
]

SQLITE_BACK = [
    "DROP TRIGGER membership_journalentry_partner",
    *(
        f"DROP TRIGGER {table}_no_{operation}"
        for table in APPEND_ONLY
        for operation in ("update", "delete")
    ),
]


def _run(statements_by_vendor):
    def operation(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return operation


class Migration(migrations.Migration):
    dependencies = [("membership", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_BACK, "sqlite": SQLITE_BACK}),
        )
    ]
