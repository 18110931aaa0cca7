/**
 * Schema 6: a store knows itself, and a cluster view knows what it took
 * from each node. `store_identity` is made once, with the store: a node
 * whose store is made anew numbers its alerts from 1 again under a new
 * identity, so a cluster view keyed on it neither skips nor merges them.
 * An alert taken from a node names its origin, unique per (store, id), so
 * one resent after a restart is not stored twice; `node_cursors` keeps the
 * highest id taken from each node store, which retention never deletes, so
 * an alert already taken and since pruned here is not taken again.
 */
export const sql = `
CREATE TABLE store_identity (
  id TEXT NOT NULL
);
INSERT INTO store_identity (id) VALUES (lower(hex(randomblob(16))));

ALTER TABLE alerts ADD COLUMN origin_store TEXT;
ALTER TABLE alerts ADD COLUMN origin_id INTEGER;
CREATE UNIQUE INDEX alerts_origin ON alerts(origin_store, origin_id) WHERE origin_store IS NOT NULL;

CREATE TABLE node_cursors (
  store_id TEXT PRIMARY KEY,
  node_address TEXT NOT NULL,        -- where it was last reached
  last_origin_id INTEGER NOT NULL
) WITHOUT ROWID;
`;
