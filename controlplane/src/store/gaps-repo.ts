/**
 * What the store is missing, as the store itself recorded it: batches of a
 * node's events lost or never sent (with their seqs and count), windows in
 * which a node was not watched, audit input that could not be read, and
 * alerts or batches an output skipped because its destination fell too far
 * behind.
 */
import type { Db } from './db';

export interface Gap {
  kind: 'node' | 'audit' | 'output';
  /** The node, the audit source (a log file, "webhook from ADDRESS"), or the output (its key in the rules file). */
  source: string;
  recordedAtUs: number;
  reason: string;
  /** Kernel records lost (node gaps; 0 when not counted). */
  events: number;
  /** Bytes of input skipped (audit gaps). */
  bytes: number;
  /** Seqs lost (node gaps), or first and last alert id or batch seq skipped (output gaps). */
  firstSeq?: string;
  lastSeq?: string;
  /** Output gaps: alerts, or batches of `node`, not exported. */
  skipped?: number;
  node?: string;
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
    const outputGaps = this.db
      .prepare(
        `SELECT output AS source, recorded_at_us AS recordedAtUs, reason, first AS firstSeq, last AS lastSeq, skipped, node FROM output_gaps
         WHERE recorded_at_us >= ? AND (? IS NULL OR node = ?) ORDER BY id DESC LIMIT ?`,
      )
      .all(since, q.node ?? null, q.node ?? null, q.limit) as (Pick<Gap, 'source' | 'recordedAtUs' | 'reason' | 'firstSeq' | 'lastSeq' | 'skipped'> & { node: string | null })[];
    const all: Gap[] = [
      ...nodeGaps.map((g) => ({ ...g, kind: 'node' as const, bytes: 0, fromUs: g.fromUs ?? undefined, toUs: g.toUs ?? undefined })),
      ...auditGaps.map((g) => ({ ...g, kind: 'audit' as const, events: 0 })),
      ...outputGaps.map((g) => ({ ...g, kind: 'output' as const, events: 0, bytes: 0, node: g.node ?? undefined })),
    ];
    return all.sort((a, b) => b.recordedAtUs - a.recordedAtUs).slice(0, q.limit);
  }
}
