/**
 * The store's writer, on a thread of its own: every ingest write (event
 * batches, audit events, the alerts they raise) happens here, one transaction
 * per message, in arrival order. The ingest thread meanwhile decodes and
 * evaluates the next batch, so decoding and storing overlap; replies go back
 * in commit order, which keeps alert ids (the stream's cursor) in the order
 * they are published.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AlertMerger } from '../alerts/alert-merger';
import type { FilePosition } from '../audit/audit-ingest';
import type { Raised } from '../detections/engine';
import type { Gap__Output } from '../../../proto/generated/vigil/v1/Gap';
import { AlertsRepo } from './alerts-repo';
import { AuditRepo, type AuditGap, type AuditRow } from './audit-repo';
import { openStore } from './db';
import { EventsRepo, type BatchRows } from './events-repo';
import { NodeAlertsRepo, type NodeAlert, type NodeOrigin } from './node-alerts-repo';

export interface WriterInit {
  dataDir: string;
  mergeWindowMs?: number;
}


export type WriterRequest =
  | { op: 'batch'; id: number; node: string; seq: string; rows: BatchRows; gap: Gap__Output | null; raised: Raised[]; nowMs: number }
  | { op: 'audit'; id: number; events: AuditRow[]; raised: Raised[]; gaps: AuditGap[]; position?: FilePosition; nowMs: number }
  | { op: 'probe'; id: number; nowMs: number }
  | { op: 'node-alerts'; id: number; origin: NodeOrigin; alerts: NodeAlert[] }
  | { op: 'close'; id: number };

const init = workerData as WriterInit;
const db = openStore(init.dataDir);
const events = new EventsRepo(db);
const audit = new AuditRepo(db);
const alerts = new AlertsRepo(db);
const merger = new AlertMerger(alerts, init.mergeWindowMs);
const nodeAlerts = new NodeAlertsRepo(db, alerts);
const takeNodeAlerts = db.transaction((m: Extract<WriterRequest, { op: 'node-alerts' }>) => nodeAlerts.take(m.origin, m.alerts));

const probe = db.prepare('INSERT INTO health_probe (id, written_at_us) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET written_at_us = excluded.written_at_us');

// Run with .immediate(): a deferred transaction that reads, then writes after the
// main connection committed (retention, output cursors), fails with "database
// is locked" at once instead of waiting; taking the write lock first waits.
const writeBatch = db.transaction((m: Extract<WriterRequest, { op: 'batch' }>) => {
  if (!events.insertBatch(m.node, BigInt(m.seq), m.rows, m.gap)) return { duplicate: true, fresh: [] };
  return { duplicate: false, fresh: merger.apply(m.raised, m.nowMs) };
});

/**
 * The ingest thread judged every audit event it parsed; which of them are
 * new is known only here, so the alerts of events stored before (a resent
 * webhook batch, a re-read line) are dropped here.
 */
const writeAudit = db.transaction((m: Extract<WriterRequest, { op: 'audit' }>) => {
  if (m.position) checkFollows(m.position);
  const isNew = m.events.map((row) => audit.insertRow(row));
  const stored = isNew.filter(Boolean).length;
  for (const g of m.gaps) audit.recordGap(g, m.nowMs * 1000);
  if (m.position) audit.setPosition(m.position.path, m.position.inode, m.position.offset);
  const raised = m.raised.filter((r) => r.audit !== undefined && isNew[r.audit.index]);
  return { stored, duplicates: m.events.length - stored, fresh: merger.apply(raised, m.nowMs) };
});

/** A log file's chunks are written in order: refuses one that does not follow the stored position. */
function checkFollows(p: FilePosition): void {
  const stored = audit.position(p.path) ?? null;
  if (stored?.inode !== p.after?.inode || stored?.offset !== p.after?.offset)
    throw new Error(`audit log ${p.path}: the lines up to byte ${p.offset} follow position ${JSON.stringify(p.after)}, but ${JSON.stringify(stored)} is stored (an earlier write failed); they will be read again`);
}

/**
 * Per node, the seq of a batch whose write failed. Batches queued behind it
 * are refused until it is written: were one committed, the node's last
 * committed seq would pass the failed batch, and the resuming sensor would
 * never resend it.
 */
const failedSeq = new Map<string, bigint>();

function writeBatchInOrder(m: Extract<WriterRequest, { op: 'batch' }>) {
  const seq = BigInt(m.seq);
  const failed = failedSeq.get(m.node);
  if (failed !== undefined && seq > failed) throw new Error(`batch ${m.seq} of ${m.node} waits for batch ${failed}, whose write failed; resend from ${failed}`);
  try {
    const result = writeBatch.immediate(m);
    failedSeq.delete(m.node);
    return result;
  } catch (err) {
    failedSeq.set(m.node, seq);
    throw err;
  }
}

parentPort!.on('message', (m: WriterRequest) => {
  try {
    if (m.op === 'close') {
      db.close();
      parentPort!.postMessage({ id: m.id, result: null });
      return;
    }
    if (m.op === 'probe') {
      probe.run(m.nowMs * 1000);
      parentPort!.postMessage({ id: m.id, result: null });
      return;
    }
    const result = m.op === 'batch' ? writeBatchInOrder(m) : m.op === 'audit' ? writeAudit.immediate(m) : takeNodeAlerts.immediate(m);
    parentPort!.postMessage({ id: m.id, result });
  } catch (err) {
    // The transaction rolled back: ids remembered from it may name nothing, or soon something else.
    events.forgetCached();
    merger.forget();
    parentPort!.postMessage({ id: m.id, error: (err as Error).message });
  }
});
parentPort!.postMessage({ ready: true });
