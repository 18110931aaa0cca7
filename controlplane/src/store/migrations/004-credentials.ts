/**
 * Schema 4: the credentials the control plane issues, one per node, reader
 * or audit sender. Only a hash of each token is kept: the store holding it
 * is no key to the cluster.
 */
export const sql = `
CREATE TABLE credentials (
  id INTEGER PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('sensor', 'reader', 'audit')),
  name TEXT NOT NULL,                 -- the node a sensor credential writes for; a label otherwise
  token_sha256 BLOB NOT NULL UNIQUE,
  created_us INTEGER NOT NULL,
  revoked_us INTEGER
);
CREATE INDEX credentials_name ON credentials(role, name);
`;
