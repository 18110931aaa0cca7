/**
 * Schema 3. Alerts raised from the audit log remember every request merged
 * into them, one row per (rule, auditID): the key is also how a long-running
 * request (exec, attach, watch), logged at several stages, raises a rule
 * once. Audit input that could not be stored as an event (a wrongly typed
 * field, an over-long log line, something that is not an audit event) is
 * kept as a gap: where it came from, why, and the input itself.
 */
export const sql = `
CREATE TABLE alert_audit_ids (
  id INTEGER PRIMARY KEY,              -- arrival order: first merged first
  alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  rule_id TEXT NOT NULL,
  audit_id TEXT NOT NULL,
  UNIQUE (rule_id, audit_id)
);
CREATE INDEX alert_audit_ids_alert ON alert_audit_ids(alert_id);

CREATE TABLE audit_gaps (
  id INTEGER PRIMARY KEY,
  recorded_at_us INTEGER NOT NULL,
  source TEXT NOT NULL,                -- the log file, or "webhook from ADDRESS"
  offset INTEGER,                      -- the line's byte offset in a log file
  bytes INTEGER NOT NULL,              -- size of the input skipped
  reason TEXT NOT NULL,
  raw TEXT                             -- the input, unless it was over 1 MiB
);
CREATE INDEX audit_gaps_recorded ON audit_gaps(recorded_at_us);
`;
