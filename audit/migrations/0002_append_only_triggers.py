"""Audit rows are append-only in the database too (SECURITY.md §5.4, issue 4 point 9).

Row-level ``BEFORE UPDATE`` and ``BEFORE DELETE`` triggers on ``audit_auditevent`` raise
``audit events are append-only`` (SQLSTATE 42501, insufficient_privilege; Django raises it
as ``django.db.utils.ProgrammingError``, a ``DatabaseError``). Triggers bind every role,
the table owner and superusers included, so they hold whatever the connecting role may do.

UPDATE is always refused. DELETE is refused unless the transaction has switched on the
retention setting, which only the documented retention job (privacy work) does::

    with transaction.atomic(durable=True):
        cursor.execute("SET LOCAL korlantas.audit_retention = 'on'")
        cursor.execute("DELETE FROM audit_auditevent WHERE occurred_at < %s", [cutoff])

``SET LOCAL`` lasts until the end of the transaction (or until the savepoint it was set in
is rolled back; releasing a savepoint keeps it), so the job runs in a transaction of its own
(``durable=True``) and the permission never leaks into later work on the connection.

There is deliberately no TRUNCATE trigger: the test runner empties tables with TRUNCATE
between transactional tests. The application role's missing TRUNCATE privilege (with
REVOKE UPDATE, DELETE) comes with the deployment's database roles.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('korlantas.audit_retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % is refused', TG_OP
        USING ERRCODE = '42501',
              HINT = 'Only the retention job deletes audit events (korlantas.audit_retention).';
END;
$$;

CREATE TRIGGER audit_auditevent_no_update
    BEFORE UPDATE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();

CREATE TRIGGER audit_auditevent_no_delete
    BEFORE DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS audit_auditevent_no_delete ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_auditevent_no_update ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(sql=FORWARD, reverse_sql=REVERSE),
    ]
