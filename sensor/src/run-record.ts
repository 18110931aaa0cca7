/**
 * When the sensor last ran, kept beside its outbox: while it runs, a mark
 * renewed every second; when it stops, the time it stopped. The next run
 * reads it to tell the control plane the window in which the node was not
 * watched, and whether the run before ended cleanly or died (SIGKILL, the
 * OOM killer, a node crash) with records on their way.
 *
 * It also keeps which pinned kernel counters map the runs count against,
 * and `base`: the outbox's running total when that map's count was zero.
 * The kernel's count of records submitted, against (outbox total − base),
 * is then exactly what a dead run read and never logged.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface PreviousRun {
  /** The last moment the previous run is known to have been watching (ms). */
  endedAt: number;
  /** It stopped as asked, with everything it had read logged. */
  clean: boolean;
  counters: CounterBase;
}

export interface CounterBase {
  mapId: number;
  base: bigint;
}

const HEARTBEAT_MS = 1000;

export class RunRecord {
  private readonly file: string;
  private timer: NodeJS.Timeout | undefined;
  private counters: CounterBase = { mapId: 0, base: 0n };

  constructor(dir: string) {
    this.file = path.join(dir, 'last-run');
  }

  /** What the run before this one left; undefined the first time, or when it left nothing readable. */
  previous(): PreviousRun | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return undefined;
    }
    const m = /^(running|stopped) (\d{13}) (\d{1,10}) (-?\d{1,20})\n?$/.exec(text);
    return m ? { endedAt: Number(m[2]), clean: m[1] === 'stopped', counters: { mapId: Number(m[3]), base: BigInt(m[4]) } } : undefined;
  }

  /** Marks this run as watching, from now until stop(), counting against `counters`. */
  start(counters: CounterBase): void {
    this.counters = counters;
    this.mark('running');
    this.timer = setInterval(() => this.mark('running'), HEARTBEAT_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.mark('stopped');
  }

  private mark(state: 'running' | 'stopped'): void {
    // Written whole to a new name, then renamed: a death mid-write leaves the previous mark.
    fs.writeFileSync(`${this.file}.new`, `${state} ${Date.now()} ${this.counters.mapId} ${this.counters.base}\n`, { mode: 0o600 });
    fs.renameSync(`${this.file}.new`, this.file);
  }
}
