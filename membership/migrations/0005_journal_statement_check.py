"""The journal's integrity check, set-based: once per INSERT statement on the entries,
every transaction the statement touches must exist and its entries must sum to zero.

It replaces the row-by-row foreign-key check of ``journalentry.transaction_id`` (one
lookup per entry at commit); journal transactions are append-only, so an entry's
transaction can never disappear afterwards.
"""

import django.db.models.deletion
from django.db import migrations, models

CHECK = """
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

OLD = """
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
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CHECK, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD, params=None)


class Migration(migrations.Migration):
    dependencies = [("membership", "0004_subscription_hot_updates")]

    operations = [
        migrations.AlterField(
            model_name="journalentry",
            name="transaction",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="entries",
                to="membership.journaltransaction",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
