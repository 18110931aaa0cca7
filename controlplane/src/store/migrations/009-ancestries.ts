/**
 * Migration 9: an exec's ancestry stored once. The processes above an exec
 * (up to 8, with their command lines) are most of its bytes, and every exec
 * of one parent carries the same ones: an event's ancestry fields go to
 * `ancestries` and the event refers to them. Events stored before keep
 * their ancestry in their own body (ancestry_ref NULL).
 */
export const sql = `
CREATE TABLE ancestries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: the writer remembers ids, and one deleted must not name other bytes
  last_event_id INTEGER NOT NULL,   -- no event above this id refers to it: retention deletes it with that event
  body BLOB NOT NULL                -- the Event's ancestry fields, encoded as they end an event's body
);
CREATE INDEX ancestries_last_event ON ancestries(last_event_id);
ALTER TABLE events ADD COLUMN ancestry_ref INTEGER;  -- ancestries.id: the event's bytes are body followed by that row's
`;
