/**
 * Where each output stands in the store: its alert cursor, its batch cursor
 * per node, and the gaps it recorded when it had to skip. Written from the
 * control plane's main connection (like retention): small writes that
 * follow acknowledgements from the destination. Transactions that read
 * before they write take the write lock first (immediate), so that they wait
 * for the writer thread rather than fail.
 */
import { JOIN_ANCESTRY, storedEventBytes } from './ancestries-repo';
import type { Db } from './db';
import { nowUs } from './time';

export interface PendingBatch {
  nodeId: number;
  node: string;
  seq: bigint;
  firstEventId: number | null;
  lastEventId: number | null;
}

export interface NodeCursor {
  nodeId: number;
  node: string;
  afterSeq: bigint;
}

export interface OutputGap {
  output: string;
  /** Whose batches were skipped; undefined for alerts. */
  node?: string;
  first: string;
  last: string;
  skipped: number;
  reason: string;
}

export class OutputsRepo {
  private readonly getOutput;
  private readonly setAlertStmt;
  private readonly alertLagStmt;
  private readonly alertAtOffset;
  private readonly nodeCursorsStmt;
  private readonly batchesAfter;
  private readonly batchLagStmt;
  private readonly batchAtOffset;
  private readonly setBatchStmt;
  private readonly bodiesStmt;
  private readonly insertGap;

  constructor(private readonly db: Db) {
    this.getOutput = db.prepare('SELECT after_alert_id AS afterAlertId, events_since_us AS eventsSinceUs FROM outputs WHERE name = ?');
    this.setAlertStmt = db.prepare('UPDATE outputs SET after_alert_id = ? WHERE name = ?');
    this.alertLagStmt = db.prepare('SELECT count(*) FROM alerts WHERE id > ?').pluck();
    this.alertAtOffset = db.prepare('SELECT id FROM alerts WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?').pluck();
    // Nodes without a cursor row appeared after event export was turned on: all their batches are due.
    this.nodeCursorsStmt = db
      .prepare(
        `SELECT n.id AS nodeId, n.name AS node, coalesce(c.after_seq, 0) AS afterSeq FROM nodes n LEFT JOIN output_batch_cursors c ON c.node_id = n.id AND c.output = ?
         WHERE n.last_seq > coalesce(c.after_seq, 0) ORDER BY n.id`,
      )
      .safeIntegers(true);
    this.batchesAfter = db.prepare('SELECT seq, first_event_id AS firstEventId, last_event_id AS lastEventId FROM batches WHERE node_id = ? AND seq > ? ORDER BY seq LIMIT ?').safeIntegers(true);
    this.batchLagStmt = db.prepare('SELECT count(*) FROM batches WHERE node_id = ? AND seq > ?').pluck();
    this.batchAtOffset = db.prepare('SELECT seq FROM batches WHERE node_id = ? AND seq > ? ORDER BY seq LIMIT 1 OFFSET ?').pluck().safeIntegers(true);
    this.setBatchStmt = db.prepare('INSERT INTO output_batch_cursors (output, node_id, after_seq) VALUES (?, ?, ?) ON CONFLICT (output, node_id) DO UPDATE SET after_seq = excluded.after_seq');
    this.bodiesStmt = db.prepare(`SELECT e.body, a.body AS ancestry FROM events e ${JOIN_ANCESTRY} WHERE e.id BETWEEN ? AND ? ORDER BY e.id`);
    this.insertGap = db.prepare('INSERT INTO output_gaps (recorded_at_us, output, node, first, last, skipped, reason) VALUES (?, ?, ?, ?, ?, ?, ?)');
  }

  /**
   * Makes `output` known, starting where the store is now: an output exports
   * what is stored after it was first configured. Turning events on starts
   * every known node at its last batch; turning them off forgets the batch
   * cursors.
   */
  prepare(output: string, events: boolean): void {
    this.db.transaction(() => {
      let row = this.getOutput.get(output) as { eventsSinceUs: number | null } | undefined;
      if (!row) {
        this.db.prepare('INSERT INTO outputs (name, after_alert_id) VALUES (?, (SELECT coalesce(max(id), 0) FROM alerts))').run(output);
        row = { eventsSinceUs: null };
      }
      if (events && row.eventsSinceUs === null) {
        this.db.prepare('INSERT OR REPLACE INTO output_batch_cursors (output, node_id, after_seq) SELECT ?, id, last_seq FROM nodes').run(output);
        this.db.prepare('UPDATE outputs SET events_since_us = ? WHERE name = ?').run(nowUs(), output);
      } else if (!events && row.eventsSinceUs !== null) {
        this.db.prepare('DELETE FROM output_batch_cursors WHERE output = ?').run(output);
        this.db.prepare('UPDATE outputs SET events_since_us = NULL WHERE name = ?').run(output);
      }
    }).immediate();
  }

  alertCursor(output: string): number {
    return (this.getOutput.get(output) as { afterAlertId: number }).afterAlertId;
  }

  setAlertCursor(output: string, afterId: number): void {
    this.setAlertStmt.run(afterId, output);
  }

  /** Alerts stored after `afterId`. */
  alertLag(afterId: number): number {
    return this.alertLagStmt.get(afterId) as number;
  }

  /** Moves the cursor past all but the newest `keep` alerts; returns the gap it recorded, if any. */
  skipAlerts(output: string, afterId: number, keep: number, reason: string): OutputGap | undefined {
    return this.db.transaction(() => {
      const lag = this.alertLag(afterId);
      if (lag <= keep) return undefined;
      const skipped = lag - keep;
      const first = this.alertAtOffset.get(afterId, 0) as number;
      const last = this.alertAtOffset.get(afterId, skipped - 1) as number;
      const gap: OutputGap = { output, first: String(first), last: String(last), skipped, reason };
      this.record(gap);
      this.setAlertCursor(output, last);
      return gap;
    }).immediate();
  }

  /** Cursors of the nodes with batches past them. */
  nodeCursors(output: string): NodeCursor[] {
    return (this.nodeCursorsStmt.all(output) as { nodeId: bigint; node: string; afterSeq: bigint }[]).map((r) => ({ nodeId: Number(r.nodeId), node: r.node, afterSeq: r.afterSeq }));
  }

  pendingBatches(c: NodeCursor, limit: number): PendingBatch[] {
    return (this.batchesAfter.all(c.nodeId, c.afterSeq, limit) as { seq: bigint; firstEventId: bigint | null; lastEventId: bigint | null }[]).map((r) => ({
      nodeId: c.nodeId,
      node: c.node,
      seq: r.seq,
      firstEventId: r.firstEventId === null ? null : Number(r.firstEventId),
      lastEventId: r.lastEventId === null ? null : Number(r.lastEventId),
    }));
  }

  /** The encoded events of a batch, in order. */
  eventBodies(b: PendingBatch): Buffer[] {
    if (b.firstEventId === null) return [];
    return (this.bodiesStmt.all(b.firstEventId, b.lastEventId) as { body: Buffer; ancestry: Buffer | null }[]).map((r) => storedEventBytes(r.body, r.ancestry));
  }

  batchLag(c: NodeCursor): number {
    return this.batchLagStmt.get(c.nodeId, c.afterSeq) as number;
  }

  setBatchCursor(output: string, nodeId: number, afterSeq: bigint): void {
    this.setBatchStmt.run(output, nodeId, afterSeq);
  }

  /** Moves a node's cursor past all but its newest `keep` batches; returns the gap it recorded, if any. */
  skipBatches(output: string, c: NodeCursor, keep: number, reason: string): OutputGap | undefined {
    return this.db.transaction(() => {
      const lag = this.batchLag(c);
      if (lag <= keep) return undefined;
      const skipped = lag - keep;
      const first = this.batchAtOffset.get(c.nodeId, c.afterSeq, 0) as bigint;
      const last = this.batchAtOffset.get(c.nodeId, c.afterSeq, skipped - 1) as bigint;
      const gap: OutputGap = { output, node: c.node, first: String(first), last: String(last), skipped, reason };
      this.record(gap);
      this.setBatchStmt.run(output, c.nodeId, last);
      return gap;
    }).immediate();
  }

  private record(g: OutputGap): void {
    this.insertGap.run(nowUs(), g.output, g.node ?? null, g.first, g.last, g.skipped, g.reason);
  }
}
