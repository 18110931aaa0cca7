/** The ingest thread's handle on the writer thread: requests in, promises out. */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import type { Gap__Output } from '../../../proto/generated/vigil/v1/Gap';
import { VigilError } from '../../../proto/errors';
import type { FilePosition } from '../audit/audit-ingest';
import type { Raised } from '../detections/engine';
import type { AuditGap, AuditRow } from './audit-repo';
import { batchRowsTransfer, type BatchRows } from './events-repo';
import type { NodeAlert, NodeOrigin } from './node-alerts-repo';
import type { WriterInit, WriterRequest } from './writer-thread';

/** A request awaiting its answer, with what the write timer needs. */
type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; op: WriterRequest['op']; started: bigint };

/** Distributes Omit over a union, so each request kind keeps its own fields. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export class StoreWriter {
  private readonly pending = new Map<number, Pending>();
  /** Rows whose memory moved to the writer thread. */
  private readonly sent = new WeakSet<BatchRows>();
  private nextId = 1;
  private failure: Error | undefined;
  /** Told how long each write took, from request to commit (or failure), in seconds. */
  onWritten: ((op: WriterRequest['op'], seconds: number) => void) | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      this.timed(p);
      if (m.error !== undefined) p.reject(new VigilError('STORE_UNAVAILABLE', `store write failed: ${m.error}`));
      else p.resolve(m.result);
    });
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`the store writer thread exited (code ${code})`)));
  }

  static start(init: WriterInit): Promise<StoreWriter> {
    const worker = new Worker(path.join(__dirname, 'writer-thread.js'), { workerData: init });
    return new Promise((resolve, reject) => {
      worker.once('message', () => resolve(new StoreWriter(worker)));
      worker.once('error', (err) => reject(new VigilError('STORE_UNAVAILABLE', `start the store writer: ${err.message}`, { cause: err })));
    });
  }

  private fail(err: Error): void {
    this.failure ??= new VigilError('STORE_UNAVAILABLE', err.message, { cause: err });
    for (const p of this.pending.values()) {
      this.timed(p);
      p.reject(this.failure);
    }
    this.pending.clear();
  }

  /** `transfer`: memory of `m` that moves to the writer thread instead of being copied; unusable here after. */
  private request<T>(m: WithoutId<WriterRequest>, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, op: m.op, started: process.hrtime.bigint() });
      this.worker.postMessage({ ...m, id }, transfer);
    });
  }

  private timed(p: Pending): void {
    this.onWritten?.(p.op, Number(process.hrtime.bigint() - p.started) / 1e9);
  }

  /** Why the writer thread can write no more (it died, or the store was closed); undefined while it runs. */
  get problem(): string | undefined {
    return this.failure?.message;
  }

  /** Rewrites the store's probe row: resolves once that commit is on disk, rejects with why it could not be. */
  probe(): Promise<void> {
    return this.request({ op: 'probe', nowMs: Date.now() });
  }

  /**
   * Commits one batch with its alerts; duplicate when its seq was committed
   * before. `rows` moves to the writer thread: its arrays are empty here
   * after the call (copying a batch's encoded events cost a tenth of the
   * ingest thread's time).
   */
  writeBatch(node: string, seq: bigint, rows: BatchRows, gap: Gap__Output | null, raised: Raised[]): Promise<{ duplicate: boolean; fresh: Alert__Output[] }> {
    // Sent again, emptied rows would commit the batch's seq with no events in it.
    if (this.sent.has(rows)) throw new Error(`batch ${seq} of ${node}: its rows were sent to the writer thread already and are empty here; build them again`);
    this.sent.add(rows);
    return this.request({ op: 'batch', node, seq: String(seq), rows, gap, raised, nowMs: Date.now() }, batchRowsTransfer(rows));
  }

  /**
   * Stores audit events (once each per stage) and the input skipped at
   * intake, writes the alerts `raised` for the events that were new, and
   * moves the file position, all at once.
   */
  writeAudit(events: AuditRow[], raised: Raised[], gaps: AuditGap[], position?: FilePosition): Promise<{ stored: number; duplicates: number; fresh: Alert__Output[] }> {
    return this.request({ op: 'audit', events, raised, gaps, position, nowMs: Date.now() });
  }

  /** Stores the alerts a node sent that were not taken from it before; returns, per alert, its id here or null (taken before). */
  writeNodeAlerts(origin: NodeOrigin, alerts: NodeAlert[]): Promise<(string | null)[]> {
    return this.request({ op: 'node-alerts', origin, alerts });
  }

  async close(): Promise<void> {
    if (!this.failure) await this.request({ op: 'close' });
    this.failure ??= new VigilError('STORE_UNAVAILABLE', 'the store is closed');
    await this.worker.terminate();
  }
}
