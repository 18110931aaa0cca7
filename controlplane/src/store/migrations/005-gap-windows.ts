/**
 * Schema 5: a gap may name a window of time in which a node's activity was
 * not observed (its sensor was not running), besides the seqs it lost.
 */
export const sql = `
ALTER TABLE gaps ADD COLUMN from_us INTEGER;
ALTER TABLE gaps ADD COLUMN to_us INTEGER;
`;
