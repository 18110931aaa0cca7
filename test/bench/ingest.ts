/**
 * Control-plane ingest, against a `vigil controlplane` child process over its
 * unix socket (so its RSS is its own):
 *  1. throughput: a synthetic sensor keeps a window of 1,000-event batches in
 *     flight; committed events per second are counted from the acks.
 *  2. latency: batches are paced at the target rate (100,000 events/s); one
 *     event per batch is a shell in a container stamped with its send time,
 *     and a subscriber measures how long until its alert arrives.
 * Every batch carries fresh, increasing pids, as an exec-heavy node's would.
 * To tell a slow control plane from a slow generator or a slow machine, it
 * also reports what better-sqlite3 alone commits here, and the CPU per
 * event of the control plane's main thread, of its other threads (mostly
 * the store's writer) and of the generator during the throughput phase
 * (and so the most the generator could offer on one core).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import { subscribeAlerts } from '../helpers/grpc-clients';
import { execEvent, nowNs, shellInContainer } from '../helpers/synthetic-events';
import { tempDir } from '../helpers/temp-dir';
import { startVigil } from '../helpers/vigil-cli';
import { RawSensor, encodeEvents } from './raw-sensor';
import { percentile, round } from './stats';
import { TICK_US, memMiB, threadTicks } from './proc-stats';

const BATCH = 1000;
const WINDOW = 32;
const TARGET_PER_SEC = 100_000;

/** Batches with fresh pids: a pool encoded once, cycled (as pids wrap). */
class BatchMaker {
  private readonly pool: Buffer[] = [];
  private next = 0;
  private n = 0;
  private pid = 1000;

  constructor(poolSize = 64) {
    for (let b = 0; b < poolSize; b++) {
      const events: Event__Output[] = [];
      for (let i = 0; i < BATCH - 1; i++) {
        const pid = this.pid++;
        events.push(execEvent({ pid, ppid: 99_999, filename: '/usr/bin/curl', argv: ['curl', '-s', `http://svc-${i % 50}.local/health`], containerId: i % 2 ? 'ab'.repeat(32) : undefined }));
      }
      this.pool.push(encodeEvents(events));
    }
  }

  /** The next batch: pooled events, plus one shell in a container stamped now. */
  make(): Buffer[] {
    const common = this.pool[this.next++ % this.pool.length];
    this.n++;
    // Distinct parents per batch: each shell is a new alert, not a merge.
    const shell = encodeEvents([{ ...shellInContainer(this.pid++, 5_000_000 + this.n), time_unix_nano: String(nowNs()) }]);
    return [common, shell];
  }
}

/**
 * What better-sqlite3 alone commits on this machine, in the same run: rows
 * of an event's size, one index, 1,000-row transactions, WAL and
 * synchronous=NORMAL as the store has them. The ceiling no store path here
 * can pass; figures from another machine say little without it.
 */
function sqliteRowsPerSecond(dir: string): number {
  const db = new Database(path.join(dir, 'sqlite-alone.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, node INTEGER, body BLOB); CREATE INDEX t_node ON t (node)');
    const insert = db.prepare('INSERT INTO t (node, body) VALUES (?, ?)');
    const body = Buffer.alloc(300, 1);
    const commit = db.transaction(() => {
      for (let i = 0; i < 1000; i++) insert.run(i, body);
    });
    let rows = 0;
    const started = Date.now();
    while (Date.now() - started < 2000) {
      commit();
      rows += 1000;
    }
    return round(rows / ((Date.now() - started) / 1000), 0);
  } finally {
    db.close();
  }
}

/** CPU per committed event since `before`: the control plane's main thread, its other threads, and this generator. */
function cpuPerEvent(pid: number, before: { cp: { main: number; others: number }; generator: NodeJS.CpuUsage }, events: number) {
  const cp = threadTicks(pid);
  const generator = process.cpuUsage(before.generator);
  const perEventUs = (ticks: number) => round((ticks * TICK_US) / events, 2);
  return {
    controlplane_main_thread_us_per_event: perEventUs(cp.main - before.cp.main),
    controlplane_other_threads_us_per_event: perEventUs(cp.others - before.cp.others),
    generator_us_per_event: round((generator.user + generator.system) / events, 2),
  };
}

export async function benchIngest(seconds: number) {
  const dataDir = tempDir('vigil-bench-');
  const cp = startVigil(['controlplane', '--data-dir', dataDir]);
  await cp.waitFor(/listening on/);
  const target = `unix://${dataDir}/vigil.sock`;
  const token = fs.readFileSync(`${dataDir}/token`, 'utf8').trim();
  const pid = cp.child.pid!;
  const rssIdle = memMiB(pid, 'VmRSS');
  const maker = new BatchMaker();
  const sensor = new RawSensor(target, token, 'bench-node');
  await sensor.hello();
  let seq = 0n;

  const sqliteAlone = sqliteRowsPerSecond(dataDir);

  // 1. Throughput, closed loop.
  let acked = 0;
  const cpuBefore = { cp: threadTicks(pid), generator: process.cpuUsage() };
  let started = Date.now();
  const inFlight: Promise<unknown>[] = [];
  while (Date.now() < started + seconds * 1000) {
    while (inFlight.length < WINDOW) inFlight.push(sensor.send(++seq, maker.make()).then(() => (acked += BATCH)));
    await inFlight.shift();
  }
  await Promise.all(inFlight.splice(0));
  const throughput = acked / ((Date.now() - started) / 1000);
  const cpu = cpuPerEvent(pid, cpuBefore, acked);

  // 2. Latency at the target rate, open loop (paced, window still bounded).
  const latencies: number[] = [];
  // Alerts of phase 1 are stored already: start after them.
  const sub = subscribeAlerts(target, token, { after_id: String(seq) });
  sub.call.on('data', (a) => latencies.push(Number(nowNs() - BigInt(a.first_seen_unix_nano)) / 1e6));
  await new Promise((r) => setTimeout(r, 200));
  acked = 0;
  let sent = 0;
  let pending = 0;
  const latencyCpuBefore = { cp: threadTicks(pid), generator: process.cpuUsage() };
  started = Date.now();
  // A timer, not a spin loop: on two cores the pacer must not eat one.
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = Date.now() - started;
      const due = (elapsed / 1000) * TARGET_PER_SEC;
      while (sent + BATCH <= due && pending < WINDOW) {
        pending++;
        sent += BATCH;
        void sensor.send(++seq, maker.make()).then(() => {
          pending--;
          acked += BATCH;
        });
      }
      if (elapsed >= seconds * 1000) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  while (pending > 0) await new Promise((r) => setTimeout(r, 5));
  const achieved = acked / ((Date.now() - started) / 1000);
  const latencyCpu = cpuPerEvent(pid, latencyCpuBefore, acked);
  await new Promise((r) => setTimeout(r, 300));
  const rssPeak = memMiB(pid, 'VmHWM');
  sensor.close();
  sub.close();
  cp.child.kill('SIGINT');
  await cp.exited;
  fs.rmSync(dataDir, { recursive: true, force: true });

  const p99 = percentile(latencies, 99);
  return {
    seconds_per_phase: seconds,
    batch_events: BATCH,
    sqlite_alone_rows_per_sec: sqliteAlone,
    generator_max_events_per_sec_on_one_core: round(1e6 / cpu.generator_us_per_event, 0),
    events_committed_per_sec: round(throughput, 0),
    throughput_phase_cpu: cpu,
    throughput_target_per_sec: TARGET_PER_SEC,
    throughput_met: throughput >= TARGET_PER_SEC,
    latency_phase_offered_per_sec: TARGET_PER_SEC,
    latency_phase_committed_per_sec: round(achieved, 0),
    latency_phase_cpu: latencyCpu,
    alerts_received: latencies.length,
    alert_latency_ms_p50: round(percentile(latencies, 50), 1),
    alert_latency_ms_p99: round(p99, 1),
    alert_latency_target_ms_p99: 100,
    alert_latency_met: p99 < 100 && achieved >= TARGET_PER_SEC * 0.98,
    controlplane_rss_mib_idle: rssIdle,
    controlplane_rss_mib_peak: rssPeak,
  };
}
