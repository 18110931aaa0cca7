/**
 * What the store is missing, as the store itself recorded it: batches of a
 * node's events lost or never sent (with their seqs and count), windows in
 * which a node was not watched, and audit input that could not be read.
 */
import type { Db } from './db';

export interface Gap {
  kind: 'node' | 'audit';
  /** The node, or the audit source (a log file, "webhook from ADDRESS"). */
  source: string;
  recordedAtUs: number;
  reason: string;
  /** Kernel records lost (node gaps; 0 when not counted). */
  events: number;
  /** Bytes of input skipped (audit gaps). */
  bytes: number;
  firstSeq?: string;
  lastSeq?: string;
  /** The window in which the node was not watched, when the gap is one. */
  fromUs?: number;
  toUs?: number;
}

export interface GapQuery {
  node?: string;
  sinceUs?: number;
  limit: number;
}

export class GapsRepo {
  constructor(private readonly db: Db) {}

  /** Newest first, node and audit gaps together. */
  list(q: GapQuery): Gap[] {
    const since = q.sinceUs ?? 0;
    const nodeGaps = this.db
      .prepare(
        `SELECT n.name AS source, g.recorded_at_us AS recordedAtUs, g.reason, g.events, CAST(g.first_seq AS TEXT) AS firstSeq, CAST(g.last_seq AS TEXT) AS lastSeq, g.from_us AS fromUs, g.to_us AS toUs
         FROM gaps g JOIN nodes n ON n.id = g.node_id
         WHERE g.recorded_at_us >= ? AND (? IS NULL OR n.name = ?) ORDER BY g.id DESC LIMIT ?`,
      )
      .all(since, q.node ?? null, q.node ?? null, q.limit) as Omit<Gap, 'kind' | 'bytes'>[];
    const auditGaps = q.node
      ? []
      : (this.db.prepare('SELECT source, recorded_at_us AS recordedAtUs, reason, bytes FROM audit_gaps WHERE recorded_at_us >= ? ORDER BY id DESC LIMIT ?').all(since, q.limit) as Pick<Gap, 'source' | 'recordedAtUs' | 'reason' | 'bytes'>[]);
    const all: Gap[] = [
      ...nodeGaps.map((g) => ({ ...g, kind: 'node' as const, bytes: 0, fromUs: g.fromUs ?? undefined, toUs: g.toUs ?? undefined })),
      ...auditGaps.map((g) => ({ ...g, kind: 'audit' as const, events: 0 })),
    ];
    return all.sort((a, b) => b.recordedAtUs - a.recordedAtUs).slice(0, q.limit);
  }
}
