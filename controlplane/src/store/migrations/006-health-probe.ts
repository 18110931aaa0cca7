/**
 * Schema 6: one row the readiness check rewrites, so that "the store can
 * write" is proven by a commit through the writer's own connection, not
 * assumed from the file's permissions.
 */
export const sql = `
CREATE TABLE health_probe (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  written_at_us INTEGER NOT NULL
);
`;
