/**
 * What every output shares: a durable queue read from the store. The queue
 * is the store itself between the output's cursor and the newest row, so
 * nothing is held in memory and nothing is lost when the control plane or
 * the destination stops; the cursor moves only past what the destination
 * acknowledged (at-least-once: a crash between the acknowledgement and the
 * cursor write sends a chunk again, which JetStream's message ids absorb).
 * The queue is bounded: past `maxLag` alerts (or batches of one node) behind,
 * it skips the oldest and records a gap naming the output.
 */
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import { eventCodec } from '../../../proto/loader';
import { keepTrying, type Trier } from '../../../proto/retry';
import type { AlertsRepo } from '../store/alerts-repo';
import type { OutputGap, OutputsRepo } from '../store/outputs-repo';

/** One committed batch of a node's events, as an output sends it. */
export interface ExportedBatch {
  node: string;
  seq: bigint;
  events: Event__Output[];
}

/** How far a destination acknowledged a chunk: its first `acked` items, then `error` if it stopped short. */
export interface Delivery {
  acked: number;
  error?: Error;
}

/** A destination. Errors name the output and the server. */
export interface OutputSink {
  /** Where it sends, without secrets: for logs and stats. */
  readonly target: string;
  /** Connects if not connected; throws when it cannot. */
  connect(): Promise<void>;
  /** Whether this alert is for this destination at all (a severity floor). */
  wants(alert: Alert__Output): boolean;
  sendAlerts(alerts: readonly Alert__Output[]): Promise<Delivery>;
  /** Absent: the output exports alerts only. */
  sendBatches?(batches: readonly ExportedBatch[]): Promise<Delivery>;
  close(): Promise<void>;
}

/** One output's counters since the control plane started, for logs and /metrics. */
export interface OutputStats {
  /** Its key under outputs: in the rules file. */
  output: string;
  target: string;
  alertsSent: number;
  batchesSent: number;
  /** Alerts passed over because the output does not want them (below its min_severity). */
  alertsFiltered: number;
  /** Rounds that ended in an error (each is retried after a growing delay). */
  failures: number;
  alertsDropped: number;
  batchesDropped: number;
  /** Alerts, and batches of all nodes, stored but not yet acknowledged (as of the last round). */
  alertsLag: number;
  batchesLag: number;
  lastError?: string;
  lastErrorAtMs?: number;
}

export interface ExportQueueOptions {
  output: string;
  sink: OutputSink;
  repo: OutputsRepo;
  alerts: AlertsRepo;
  maxLag: number;
  events: boolean;
  log: (line: string) => void;
  /** How often to look for new event batches (alerts also wake the queue at once). */
  pollMs?: number;
}

const ALERT_CHUNK = 256;
const BATCH_CHUNK = 64;

export class ExportQueue {
  private readonly counters: OutputStats;
  private trier: Trier | undefined;
  private wake: (() => void) | undefined;
  private poked = false;
  private stopped = false;
  private round: Promise<unknown> = Promise.resolve();
  private failing = false;

  constructor(private readonly o: ExportQueueOptions) {
    this.counters = { output: o.output, target: o.sink.target, alertsSent: 0, batchesSent: 0, alertsFiltered: 0, failures: 0, alertsDropped: 0, batchesDropped: 0, alertsLag: 0, batchesLag: 0 };
  }

  start(): void {
    this.o.repo.prepare(this.o.output, this.o.events);
    this.trier = keepTrying(
      () => {
        const r = this.runRound();
        this.round = r.catch(() => undefined);
        return r;
      },
      { minMs: 100, maxMs: 5000 },
    );
  }

  /** New alerts are stored: export them now rather than at the next poll. */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  stats(): OutputStats {
    return { ...this.counters };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.trier?.stop();
    this.wake?.();
    await this.o.sink.close();
    await this.round;
  }

  private async runRound(): Promise<'again'> {
    if (this.stopped) return 'again';
    try {
      // Before connecting: a destination that cannot be reached is the usual way to fall behind.
      this.bound();
      await this.o.sink.connect();
      await this.exportAlerts();
      if (this.o.events && this.o.sink.sendBatches) await this.exportBatches(this.o.sink.sendBatches.bind(this.o.sink));
    } catch (err) {
      this.failed(err as Error);
      throw err;
    }
    if (this.failing) this.o.log(`${this.o.output} output: delivering to ${this.o.sink.target} again`);
    this.failing = false;
    await this.idle();
    return 'again';
  }

  private idle(): Promise<void> {
    if (this.poked || this.stopped) {
      this.poked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.poked = false;
        resolve();
      };
      const timer = setTimeout(done, this.o.pollMs ?? 1000);
      this.wake = done;
    });
  }

  private failed(err: Error): void {
    // Closing the sink on stop fails what was in flight: that is no failure of the destination.
    if (this.stopped) return;
    this.counters.failures++;
    // One line when delivery stops and one when it resumes, not one per retry.
    if (!this.failing || this.counters.lastError !== err.message) this.o.log(`${err.message}; retrying`);
    this.failing = true;
    this.counters.lastError = err.message;
    this.counters.lastErrorAtMs = Date.now();
  }

  private dropped(gap: OutputGap | undefined, what: 'alerts' | 'batches'): void {
    if (!gap) return;
    if (what === 'alerts') this.counters.alertsDropped += gap.skipped;
    else this.counters.batchesDropped += gap.skipped;
    this.o.log(`${this.o.output} output: skipped ${gap.skipped} ${what === 'alerts' ? 'alerts' : `batches of ${gap.node}`} (${gap.first}-${gap.last}): ${gap.reason}; vigil gaps lists it`);
  }

  private reason(what: string): string {
    return `${this.o.sink.target} fell more than ${this.o.maxLag} ${what} behind (max_lag)`;
  }

  /** Skips what lies beyond max_lag, recording gaps, and updates the lag counters. */
  private bound(): void {
    const { output, repo, maxLag } = this.o;
    // Counted first, outside a transaction: the skip takes the store's write lock, which only a real skip should.
    const cursor = repo.alertCursor(output);
    const alertLag = repo.alertLag(cursor);
    if (alertLag > maxLag) this.dropped(repo.skipAlerts(output, cursor, maxLag, this.reason('alerts')), 'alerts');
    this.counters.alertsLag = Math.min(alertLag, maxLag);
    if (!this.o.events) return;
    let lag = 0;
    for (const c of repo.nodeCursors(output)) {
      const batchLag = repo.batchLag(c);
      if (batchLag > maxLag) this.dropped(repo.skipBatches(output, c, maxLag, this.reason(`batches of ${c.node}`)), 'batches');
      lag += Math.min(batchLag, maxLag);
    }
    this.counters.batchesLag = lag;
  }

  private async exportAlerts(): Promise<void> {
    const { output, repo, sink } = this.o;
    let cursor = repo.alertCursor(output);
    for (;;) {
      const page = this.o.alerts.list(null, { afterId: cursor, limit: ALERT_CHUNK, order: 'asc' });
      if (page.length === 0) break;
      const wanted = page.filter((a) => sink.wants(a));
      const delivery = wanted.length ? await sink.sendAlerts(wanted) : { acked: 0 };
      const stop = delivery.acked < wanted.length ? page.indexOf(wanted[delivery.acked]) : page.length;
      this.counters.alertsSent += delivery.acked;
      this.counters.alertsFiltered += stop - delivery.acked;
      if (stop > 0) {
        cursor = Number(page[stop - 1].id);
        repo.setAlertCursor(output, cursor);
      }
      if (delivery.error) throw delivery.error;
      if (page.length < ALERT_CHUNK) break;
    }
    this.counters.alertsLag = repo.alertLag(cursor);
  }

  private async exportBatches(send: (b: readonly ExportedBatch[]) => Promise<Delivery>): Promise<void> {
    const { output, repo } = this.o;
    const { decode } = eventCodec();
    let lag = 0;
    for (let c of repo.nodeCursors(output)) {
      for (;;) {
        const page = repo.pendingBatches(c, BATCH_CHUNK);
        if (page.length === 0) break;
        const delivery = await send(page.map((b) => ({ node: b.node, seq: b.seq, events: repo.eventBodies(b).map((body) => decode(body)) })));
        this.counters.batchesSent += delivery.acked;
        if (delivery.acked > 0) {
          c = { ...c, afterSeq: page[delivery.acked - 1].seq };
          repo.setBatchCursor(output, c.nodeId, c.afterSeq);
        }
        if (delivery.error) throw delivery.error;
        if (page.length < BATCH_CHUNK) break;
      }
      lag += repo.batchLag(c);
    }
    this.counters.batchesLag = lag;
  }
}
