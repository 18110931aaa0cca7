/**
 * Schema 6: exports. Each configured output keeps its place in the store
 * (the last alert id, and per node the last batch seq, that its destination
 * acknowledged), so a restart or an outage of either side resumes where it
 * stopped; and what an output skipped because it fell too far behind.
 */
export const sql = `
CREATE TABLE outputs (
  name TEXT PRIMARY KEY,                -- the key under outputs: in the rules file
  after_alert_id INTEGER NOT NULL,      -- alerts up to this id were acknowledged
  events_since_us INTEGER               -- when event export was turned on; NULL: off
);

CREATE TABLE output_batch_cursors (
  output TEXT NOT NULL REFERENCES outputs(name) ON DELETE CASCADE,
  node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
  after_seq INTEGER NOT NULL,           -- this node's batches up to this seq were acknowledged
  PRIMARY KEY (output, node_id)
) WITHOUT ROWID;

CREATE TABLE output_gaps (
  id INTEGER PRIMARY KEY,
  recorded_at_us INTEGER NOT NULL,
  output TEXT NOT NULL,
  node TEXT,                            -- whose batches were skipped; NULL for alerts
  first TEXT NOT NULL,                  -- first and last alert id or batch seq skipped
  last TEXT NOT NULL,
  skipped INTEGER NOT NULL,             -- how many alerts or batches
  reason TEXT NOT NULL
);
CREATE INDEX output_gaps_recorded ON output_gaps(recorded_at_us);
`;
