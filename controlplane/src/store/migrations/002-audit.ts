/**
 * Schema 2: Kubernetes audit events, and how far each audit log file has been
 * read. An audit event is stored once per (auditID, stage), so the API
 * server's webhook retries and a re-read file never duplicate it.
 */
export const sql = `
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY,
  ts_us INTEGER NOT NULL,
  audit_id TEXT NOT NULL,
  stage TEXT NOT NULL,
  verb TEXT NOT NULL,
  username TEXT NOT NULL,
  resource TEXT NOT NULL,
  subresource TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  response_code INTEGER NOT NULL,
  decision TEXT NOT NULL,
  record TEXT NOT NULL,              -- the AuditRecord message as JSON
  raw TEXT NOT NULL,                 -- the audit event as the API server sent it
  UNIQUE (audit_id, stage)
);
CREATE INDEX audit_events_ts ON audit_events(ts_us);
CREATE INDEX audit_events_user ON audit_events(username);
CREATE INDEX audit_events_object ON audit_events(resource, namespace, name);

CREATE TABLE audit_sources (
  path TEXT PRIMARY KEY,
  inode INTEGER NOT NULL,
  offset INTEGER NOT NULL            -- bytes of complete lines already ingested
);
`;
