/**
 * The outputs the rules file configures, kept current: started when their
 * key appears, restarted (on the same cursor) when their settings change,
 * stopped when their key goes. Their counters are one call away for logs
 * and metrics.
 */
import type { OutputName, OutputsConfig } from '../config/outputs-config';
import type { AlertsRepo } from '../store/alerts-repo';
import type { OutputsRepo } from '../store/outputs-repo';
import { ExportQueue, type OutputSink, type OutputStats } from './export-queue';
import { FalcoHttpSink } from './falco-http';
import { JetStreamSink } from './nats-jetstream';

export interface OutputsOptions {
  repo: OutputsRepo;
  alerts: AlertsRepo;
  log: (line: string) => void;
  pollMs?: number;
}

interface Running {
  settings: string;
  queue: ExportQueue;
}

export class Outputs {
  private readonly running = new Map<OutputName, Running>();
  /** Changes apply one after another: a queue is stopped before its successor reads the same cursor. */
  private changes: Promise<void> = Promise.resolve();

  constructor(private readonly o: OutputsOptions) {}

  /** Applies the outputs: section of a (re)loaded rules file; resolves when the change is in force (or logged as failed). */
  configure(config: OutputsConfig | undefined): Promise<void> {
    this.changes = this.changes.then(() => this.apply(config ?? {})).catch((err: Error) => this.o.log(`outputs: ${err.message}`));
    return this.changes;
  }

  private async apply(config: OutputsConfig): Promise<void> {
    for (const name of ['nats', 'falco_http'] as const) {
      const settings = config[name] ? JSON.stringify(config[name]) : undefined;
      const current = this.running.get(name);
      if (current?.settings === settings) continue;
      if (current) {
        this.running.delete(name);
        await current.queue.stop();
        if (!settings) this.o.log(`${name} output stopped: no longer in the rules file`);
      }
      if (!settings) continue;
      const sink: OutputSink = name === 'nats' ? new JetStreamSink(config.nats!) : new FalcoHttpSink(config.falco_http!);
      const events = name === 'nats' && config.nats!.events;
      const queue = new ExportQueue({ output: name, sink, repo: this.o.repo, alerts: this.o.alerts, maxLag: config[name]!.max_lag, events, log: this.o.log, pollMs: this.o.pollMs });
      queue.start();
      this.running.set(name, { settings, queue });
      this.o.log(`${name} output: exporting alerts${events ? ' and events' : ''} to ${sink.target}`);
    }
  }

  /** New alerts were stored. */
  poke(): void {
    for (const r of this.running.values()) r.queue.poke();
  }

  outputStats(): OutputStats[] {
    return [...this.running.values()].map((r) => r.queue.stats());
  }

  /** Stops every output; their cursors stay for the next start. */
  async stop(): Promise<void> {
    await this.changes;
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.all(all.map((r) => r.queue.stop()));
  }
}
