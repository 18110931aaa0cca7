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
import type { K8sAuditEvent } from '../audit/k8s-audit-event';
import { toAuditRecord } from '../audit/to-audit-record';
import { DetectionEngine } from '../detections/engine';
import { RULES } from '../detections/rules';
import { RuleSet } from '../detections/rule-set';
import type { Raised } from '../detections/engine';
import type { Gap__Output } from '../../../proto/generated/vigil/v1/Gap';
import { AlertsRepo } from './alerts-repo';
import { AuditRepo } from './audit-repo';
import { openStore } from './db';
import { EventsRepo, type BatchRows } from './events-repo';

export interface WriterInit {
  dataDir: string;
  mergeWindowMs?: number;
  clusterName?: string;
}

export type WriterRequest =
  | { op: 'batch'; id: number; node: string; seq: string; rows: BatchRows; gap: Gap__Output | null; raised: Raised[]; nowMs: number }
  | { op: 'audit'; id: number; events: K8sAuditEvent[]; position?: { path: string; inode: number; offset: number }; nowMs: number }
  | { op: 'close'; id: number };

const init = workerData as WriterInit;
const db = openStore(init.dataDir);
const events = new EventsRepo(db);
const audit = new AuditRepo(db);
const merger = new AlertMerger(new AlertsRepo(db), init.mergeWindowMs);
// Audit rules only: which audit events are new is known inside the transaction.
const engine = new DetectionEngine(RuleSet.build(RULES), { clusterName: init.clusterName });

const writeBatch = db.transaction((m: Extract<WriterRequest, { op: 'batch' }>) => {
  if (!events.insertBatch(m.node, BigInt(m.seq), m.rows, m.gap)) return { duplicate: true, fresh: [] };
  return { duplicate: false, fresh: merger.apply(m.raised, m.nowMs) };
});

const writeAudit = db.transaction((m: Extract<WriterRequest, { op: 'audit' }>) => {
  const fresh = [];
  for (const raw of m.events) {
    const record = toAuditRecord(raw);
    if (audit.insert(record, JSON.stringify(raw))) fresh.push({ raw, record });
  }
  if (m.position) audit.setPosition(m.position.path, m.position.inode, m.position.offset);
  return { stored: fresh.length, duplicates: m.events.length - fresh.length, fresh: merger.apply(engine.evaluateAudit(fresh), m.nowMs) };
});

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
    const result = writeBatch(m);
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
    parentPort!.postMessage({ id: m.id, result: m.op === 'batch' ? writeBatchInOrder(m) : writeAudit(m) });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message });
  }
});
parentPort!.postMessage({ ready: true });
