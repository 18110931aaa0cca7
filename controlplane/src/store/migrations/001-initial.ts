/**
 * Schema 1. Events are append-only and the rowid is their arrival order, so
 * time ranges are found through the batches table (each batch's event id
 * range and min/max timestamps) instead of a per-event timestamp index, which
 * would cost ingest throughput (see README, Benchmarks). Strings that repeat
 * (node names, container ids) are interned to integers. Event bodies are
 * protobuf, not JSON: encoding JSON was the largest cost of ingest.
 */
export const sql = `
CREATE TABLE nodes (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  last_seq INTEGER NOT NULL DEFAULT 0  -- highest committed batch seq
);

-- Every container the sensors have seen, so that listing containers and
-- filtering events by pod never scan the events. A row goes once the
-- container has exited and none of its events are left.
CREATE TABLE containers (
  id INTEGER PRIMARY KEY,
  container_id TEXT NOT NULL UNIQUE,
  node_id INTEGER REFERENCES nodes(id),  -- from its ContainerStarted
  pod_namespace TEXT,                     -- from the first event naming its pod
  pod_name TEXT,
  started BLOB,                           -- its ContainerStarted event, encoded
  exited BLOB,                            -- its ContainerExited event, encoded
  exited_us INTEGER
);
CREATE INDEX containers_pod ON containers(pod_namespace, pod_name) WHERE pod_name IS NOT NULL;

CREATE TABLE batches (
  node_id INTEGER NOT NULL REFERENCES nodes(id),
  seq INTEGER NOT NULL,
  first_event_id INTEGER,            -- NULL for a batch without events
  last_event_id INTEGER,
  events INTEGER NOT NULL,
  min_ts_us INTEGER,
  max_ts_us INTEGER,
  committed_at_us INTEGER NOT NULL,
  PRIMARY KEY (node_id, seq)
) WITHOUT ROWID;
CREATE INDEX batches_max_ts ON batches(max_ts_us);
CREATE INDEX batches_last_event ON batches(last_event_id);

CREATE TABLE gaps (
  id INTEGER PRIMARY KEY,
  node_id INTEGER NOT NULL REFERENCES nodes(id),
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  events INTEGER NOT NULL,
  reason TEXT NOT NULL,
  recorded_at_us INTEGER NOT NULL
);

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  ts_us INTEGER NOT NULL,            -- event wall-clock time, microseconds
  type INTEGER NOT NULL,             -- EventType number
  node_id INTEGER NOT NULL,
  batch_seq INTEGER NOT NULL,
  pid INTEGER NOT NULL,
  container_ref INTEGER,             -- containers.id; NULL on the host
  body BLOB NOT NULL                 -- the Event message, encoded as the sensor sent it
);
CREATE INDEX events_pid ON events(pid);
CREATE INDEX events_container ON events(container_ref) WHERE container_ref IS NOT NULL;

CREATE TABLE alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: the stream's cursor
  rule_id TEXT NOT NULL,
  severity INTEGER NOT NULL,
  node_name TEXT NOT NULL,
  container_id TEXT NOT NULL,
  namespace TEXT NOT NULL,
  pod TEXT NOT NULL,
  pid INTEGER NOT NULL,
  first_seen_us INTEGER NOT NULL,
  last_seen_us INTEGER NOT NULL,
  count INTEGER NOT NULL DEFAULT 1,
  body TEXT NOT NULL                 -- the Alert message as JSON, as first raised
);
CREATE INDEX alerts_rule ON alerts(rule_id);
CREATE INDEX alerts_last_seen ON alerts(last_seen_us);
`;
