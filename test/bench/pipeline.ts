/**
 * What watching costs, measured on what users run: the whole `vigil up`
 * (sensor, control plane, rules, SQLite store) against a bare tracer
 * (bpftrace printing one line per event of the same tracepoints) and the
 * bare kernel sensor (the BPF programs and the addon with a callback that
 * only counts), with nothing watching as the baseline; `vigil up` twice, as
 * it starts by default (fork and exit kept in the sensor) and with
 * `--forward fork,exit` (every kernel event stored). Storms: exec (fork,
 * exec and exit of /bin/true, serial and with two workers), TCP connect,
 * tmpfs mount. Configurations run interleaved, in an order that rotates
 * every round; each monitor runs every storm once, untimed, before the
 * measured storms, as a node that has been up for a while would have.
 *
 * For each storm and configuration: the storm's rate and its overhead; the
 * monitor's CPU (user + sys of every thread of its processes, from the
 * storm's start until it has caught up) per operation of the storm, and per
 * event it handled (it sees the whole machine, not only the storm); for
 * `vigil up`, the storm's events found in the store against those generated,
 * end-to-end lag (kernel timestamp to committed row) p50 and p99, and peak
 * RSS, and its CPU per operation split by process (sensor, control plane)
 * and thread (each main thread; the others together, which in the control
 * plane are mostly the store's writer). On a machine busy with other work
 * the per-operation CPU includes what the monitor spent on that work's
 * events: compare per event, and the `machine_load` figures, before
 * comparing runs. For each storm alone, the function-call interrupts it
 * makes the CPUs take per operation: the CPU time spent on them is charged
 * to whatever runs on the receiving CPU, the monitor included. With
 * BENCH_PROFILE_STAGES=1, `vigil up` also runs profiled and the report
 * gives each stage's share of each process's main thread over all storms
 * (stage-profile.ts says how samples are assigned).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { eventCodec } from '../../proto/loader';
import { EVENT_TYPE_NUMBER } from '../../controlplane/src/store/event-type-number';
import { cFixture } from '../helpers/c-fixture';
import { run, waitForLine } from '../helpers/processes';
import { tempDir } from '../helpers/temp-dir';
import { VIGIL } from '../helpers/vigil-cli';
import { median, percentile, round } from './stats';
import { shares, stageMillis } from './stage-profile';
import { hasBpftrace } from './bpftrace';
import { TICK_US, cpuTicks, functionCallInterrupts, memKiB, processTree, threadTicks } from './proc-stats';

/** vigil_up as it starts by default; vigil_up_forward with `--forward fork,exit`, so that the process tree's events are stored too. */
type Config = 'none' | 'bpftrace' | 'kernel_sensor' | 'vigil_up' | 'vigil_up_forward';
const CONFIGS: Config[] = ['none', 'bpftrace', 'kernel_sensor', 'vigil_up', 'vigil_up_forward'];
const isVigilUp = (c: Config) => c === 'vigil_up' || c === 'vigil_up_forward';

/** The tracepoints Vigil's exec, connect and mount hooks use, one printed line per event. */
const BPFTRACE = `
tracepoint:sched:sched_process_exec { printf("%d exec %s\\n", pid, str(args->filename)); }
tracepoint:syscalls:sys_exit_connect { printf("%d connect %d\\n", pid, args->ret); }
tracepoint:syscalls:sys_exit_mount { printf("%d mount %d\\n", pid, args->ret); }
`;

/** The bare kernel sensor: programs attached, batches counted, nothing else. */
const KERNEL_SENSOR = `
const { KernelSensor } = require(${JSON.stringify(path.resolve(__dirname, '../../sensor/src/kernel-sensor'))});
const s = KernelSensor.start({ types: ['exec', 'fork', 'exit', 'connect', 'mount'] });
let n = 0;
s.onBatch((b) => { n += b.events.length; });
process.stdout.write('ready\\n');
process.on('SIGINT', async () => { const st = await s.stop(); process.stdout.write(JSON.stringify({ events: n, drops: st.drops }) + '\\n'); process.exit(0); });
`;

/**
 * Each storm's untimed run per monitor before the measured ones. V8 was
 * still optimizing the exec path (190, 102, 36, then 12 functions in four
 * 3 s exec storms, --trace-opt) long after 1 s of it: an exec storm offers
 * only a few hundred calls a second to tier up on.
 */
const WARM_UP_SECONDS = 3;

interface Storm {
  name: string;
  /** The command line of one run; its first line of output is "<count> <seconds> <cpu>". */
  argv(seconds: number): string[][];
  /** Of `vigil up`'s stored events, those the storm made (its pids). */
  isOwn(ev: ReturnType<ReturnType<typeof eventCodec>['decode']>, pids: Set<number>): boolean;
  /** Stored events per operation. */
  eventsPerOp: number;
}

function storms(): Storm[] {
  const exec = cFixture('exec-storm');
  const mnt = tempDir('vigil-bench-mnt-');
  const ownExec = (ev: ReturnType<ReturnType<typeof eventCodec>['decode']>, pids: Set<number>) => ev.body === 'exec' && pids.has(ev.process?.ppid ?? 0) && ev.exec?.filename === '/bin/true';
  return [
    { name: 'exec_serial', argv: (s) => [[exec, String(s)]], isOwn: ownExec, eventsPerOp: 1 },
    { name: 'exec_2_workers', argv: (s) => [[exec, String(s)], [exec, String(s)]], isOwn: ownExec, eventsPerOp: 1 },
    { name: 'connect', argv: (s) => [[cFixture('connect-storm'), String(s)]], isOwn: (ev, pids) => ev.body === 'connect' && pids.has(ev.process?.pid ?? 0), eventsPerOp: 1 },
    { name: 'mount', argv: (s) => [[cFixture('mount-storm'), String(s), mnt]], isOwn: (ev, pids) => ev.body === 'mount' && pids.has(ev.process?.pid ?? 0), eventsPerOp: 1 },
  ];
}

/** `vigil up`'s processes by role: the sensor is the child started with the `sensor` command. */
function roleOf(pid: number): 'sensor' | 'controlplane' {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('sensor') ? 'sensor' : 'controlplane';
  } catch {
    return 'controlplane';
  }
}

/** CPU ticks of `pids` by "<role> main thread" and "<role> other threads". */
function ticksByThread(pids: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pid of pids) {
    const role = roleOf(pid);
    const t = threadTicks(pid);
    out[`${role}_main_thread`] = (out[`${role}_main_thread`] ?? 0) + t.main;
    out[`${role}_other_threads`] = (out[`${role}_other_threads`] ?? 0) + t.others;
  }
  return out;
}

/** `vigil up` with `args` on a data directory of its own, once its sensor watches. */
export async function startVigilUp(args: string[], env = process.env): Promise<{ child: ChildProcess; dataDir: string }> {
  const dataDir = tempDir('vigil-bench-up-');
  const child = spawn(VIGIL, ['up', '--data-dir', dataDir, '--status-interval', '1d', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  await waitForLine(child, 'stderr', /watching \d+ paths/, 60_000);
  return { child, dataDir };
}

interface Monitor {
  pids(): number[];
  /** Events the monitor handled since it started (the whole machine's). */
  handled(): Promise<number>;
  stop(): Promise<void>;
  dataDir?: string;
}

async function startMonitor(config: Exclude<Config, 'none'>, profileDir?: string): Promise<Monitor> {
  if (config === 'bpftrace') {
    const out = path.join(tempDir('vigil-bench-bt-'), 'out');
    const fd = fs.openSync(out, 'w');
    const child = spawn('bpftrace', ['-e', BPFTRACE], { stdio: ['ignore', fd, 'pipe'] });
    // bpftrace says nothing on stderr when attached; its "Attaching" line goes to stdout.
    for (let i = 0; i < 200 && !fs.readFileSync(out, 'utf8').includes('Attaching'); i++) await new Promise((r) => setTimeout(r, 50));
    return {
      pids: () => [child.pid!],
      handled: async () => fs.readFileSync(out, 'utf8').split('\n').length - 2,
      stop: async () => {
        child.kill('SIGINT');
        await new Promise((r) => child.once('exit', r));
        fs.closeSync(fd);
      },
    };
  }
  if (config === 'kernel_sensor') {
    const child = spawn(process.execPath, ['-e', KERNEL_SENSOR], { stdio: ['ignore', 'pipe', 'inherit'] });
    await waitForLine(child, 'stdout', /ready/, 30_000);
    return {
      pids: () => [child.pid!],
      handled: async () => 0,
      stop: async () => {
        child.kill('SIGINT');
        await new Promise((r) => child.once('exit', r));
      },
    };
  }
  const { child, dataDir } = await startVigilUp(config === 'vigil_up_forward' ? ['--forward', 'fork,exit'] : [], profileDir ? { ...process.env, VIGIL_CPU_PROFILE_DIR: profileDir } : process.env);
  return {
    dataDir,
    pids: () => processTree(child.pid!),
    handled: async () => {
      const db = new Database(path.join(dataDir, 'vigil.db'), { readonly: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
      } finally {
        db.close();
      }
    },
    stop: async () => {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

interface StormResult {
  ops: number;
  perSecond: number;
  pids: Set<number>;
  startedMs: number;
}

async function runStorm(storm: Storm, seconds: number): Promise<StormResult> {
  const startedMs = Date.now();
  const runs = await Promise.all(storm.argv(seconds).map(([cmd, ...args]) => run(cmd, args)));
  let ops = 0;
  let perSecond = 0;
  for (const r of runs) {
    if (r.code !== 0) throw new Error(`storm ${storm.name} failed: ${r.stderr}`);
    const [count, elapsed] = r.stdout.trim().split(/\s+/).map(Number);
    ops += count;
    perSecond += count / elapsed;
  }
  return { ops, perSecond, pids: new Set(runs.map((r) => r.pid)), startedMs };
}

/** A stored event with when its batch was committed. */
export interface CommittedEvent {
  body: Buffer;
  ts_us: number;
  committed_at_us: number;
}

/** The events of store `dataDir` with the given bodies (exec, connect…) that happened from `sinceUs` on, with their commit times. */
export function committedEvents(dataDir: string, sinceUs: number, bodies: readonly string[]): CommittedEvent[] {
  const types = bodies.map((b) => EVENT_TYPE_NUMBER[b]);
  const db = new Database(path.join(dataDir, 'vigil.db'), { readonly: true });
  try {
    return db
      .prepare(`SELECT e.body, e.ts_us, b.committed_at_us FROM events e JOIN batches b ON b.node_id = e.node_id AND b.seq = e.batch_seq WHERE e.ts_us >= ? AND e.type IN (${types.join(', ')})`)
      .all(sinceUs) as CommittedEvent[];
  } finally {
    db.close();
  }
}

/** Kernel to committed row, in milliseconds. */
export const lagMs = (row: CommittedEvent): number => (row.committed_at_us - row.ts_us) / 1000;

/** The storm's events in `vigil up`'s store once it has caught up, and their lag. */
async function storedOf(monitor: Monitor, storm: Storm, r: StormResult): Promise<{ stored: number; lags: number[]; caughtUpMs: number }> {
  let last = -1;
  let rows: CommittedEvent[] = [];
  for (let quiet = 0; quiet < 3; ) {
    rows = committedEvents(monitor.dataDir!, r.startedMs * 1000 - 1_000_000, ['exec', 'connect', 'mount']);
    quiet = rows.length === last ? quiet + 1 : 0;
    last = rows.length;
    if (quiet < 3) await new Promise((res) => setTimeout(res, 500));
  }
  const own = rows.filter((row) => storm.isOwn(eventCodec().decode(row.body), r.pids));
  return { stored: own.length, lags: own.map(lagMs), caughtUpMs: Date.now() };
}

export async function benchPipeline(rounds: number, seconds: number): Promise<Record<string, unknown>> {
  const bpftrace = hasBpftrace();
  const configs = CONFIGS.filter((c) => c !== 'bpftrace' || bpftrace);
  const all = storms();
  type Sample = { rate: number; cpuPerOpUs: number; ipisPerOp: number; cpuPerEventUs?: number; stored?: number; generated?: number; lags?: number[]; peakRssMiB?: number; idleRssMiB?: number; idlePssMiB?: number; endPssMiB?: number; threadsPerOpUs?: Record<string, number> };
  const profileDir = process.env.BENCH_PROFILE_STAGES === '1' ? tempDir('vigil-bench-profile-') : undefined;
  const samples = new Map<string, Sample[]>();
  const loadBefore = os.loadavg()[0];
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < configs.length; k++) {
      const config = configs[(round + k) % configs.length];
      const monitor = config === 'none' ? undefined : await startMonitor(config, config === 'vigil_up' ? profileDir : undefined);
      await new Promise((r) => setTimeout(r, 1000));
      const idleRssMiB = monitor ? memKiB(monitor.pids(), 'VmRSS') / 1024 : undefined;
      const idlePssMiB = monitor ? memKiB(monitor.pids(), 'Pss') / 1024 : undefined;
      // A node's sensor has been running when a storm comes: one untimed
      // pass of every storm first, so that start-up work (V8 compiling the
      // hot paths, the store's first pages) is not charged to the first storm.
      if (monitor) for (const storm of all) await runStorm(storm, WARM_UP_SECONDS);
      for (const storm of all) {
        const pids = monitor?.pids() ?? [];
        const [cpu0, handled0, threads0, ipis0] = [cpuTicks(pids), (await monitor?.handled()) ?? 0, ticksByThread(pids), functionCallInterrupts()];
        const r = await runStorm(storm, seconds);
        const ipisPerOp = (functionCallInterrupts() - ipis0) / r.ops;
        const kept = isVigilUp(config) ? await storedOf(monitor!, storm, r) : undefined;
        if (!kept && monitor) await new Promise((res) => setTimeout(res, 1000));
        const cpuUs = (cpuTicks(pids) - cpu0) * TICK_US;
        const handled = ((await monitor?.handled()) ?? 0) - handled0;
        const s: Sample = { rate: r.perSecond, cpuPerOpUs: cpuUs / r.ops, ipisPerOp };
        if (handled > 0) s.cpuPerEventUs = cpuUs / handled;
        if (kept) {
          const threads = Object.entries(ticksByThread(pids)).map(([k, t]) => [k, ((t - (threads0[k] ?? 0)) * TICK_US) / r.ops]);
          Object.assign(s, { stored: kept.stored, generated: r.ops * storm.eventsPerOp, lags: kept.lags, peakRssMiB: memKiB(pids, 'VmHWM') / 1024, idleRssMiB, idlePssMiB, endPssMiB: memKiB(pids, 'Pss') / 1024, threadsPerOpUs: Object.fromEntries(threads) });
        }
        const key = `${storm.name}/${config}`;
        samples.set(key, [...(samples.get(key) ?? []), s]);
      }
      await monitor?.stop();
    }
  }
  const report: Record<string, unknown> = {
    what: 'storms without a monitor, under bpftrace, under the bare kernel sensor and under the whole vigil up (sensor, control plane, rules, store; vigil_up_forward: with --forward fork,exit), interleaved',
    rounds,
    seconds_per_storm: seconds,
    machine_load: { before: round(loadBefore, 2), after: round(os.loadavg()[0], 2), cpus: os.cpus().length },
    ...(bpftrace ? {} : { bpftrace: 'not installed (apt-get install bpftrace): that comparison is left out' }),
  };
  for (const storm of all) {
    const base = median((samples.get(`${storm.name}/none`) ?? []).map((s) => s.rate));
    const row: Record<string, unknown> = {
      baseline_per_sec: round(base, 0),
      // Without a monitor: what the storm itself makes the other CPU handle.
      function_call_interrupts_per_op: round(median((samples.get(`${storm.name}/none`) ?? []).map((s) => s.ipisPerOp)), 2),
    };
    for (const config of configs.filter((c) => c !== 'none')) {
      const ss = samples.get(`${storm.name}/${config}`) ?? [];
      const rate = median(ss.map((s) => s.rate));
      const out: Record<string, unknown> = {
        per_sec: round(rate, 0),
        overhead: round(1 - rate / base),
        monitor_cpu_us_per_op: round(median(ss.map((s) => s.cpuPerOpUs)), 1),
      };
      const perEvent = ss.map((s) => s.cpuPerEventUs).filter((x): x is number => x !== undefined);
      if (perEvent.length) out.monitor_cpu_us_per_event_handled = round(median(perEvent), 1);
      if (isVigilUp(config)) {
        const lags = ss.flatMap((s) => s.lags ?? []);
        Object.assign(out, {
          generated: ss.reduce((n, s) => n + s.generated!, 0),
          stored: ss.reduce((n, s) => n + s.stored!, 0),
          lag_ms_p50: round(percentile(lags, 50), 1),
          lag_ms_p99: round(percentile(lags, 99), 1),
          peak_rss_mib: round(Math.max(...ss.map((s) => s.peakRssMiB!)), 0),
          idle_rss_mib: round(median(ss.map((s) => s.idleRssMiB!)), 0),
          idle_pss_mib: round(median(ss.map((s) => s.idlePssMiB!)), 0),
          pss_after_storm_mib: round(Math.max(...ss.map((s) => s.endPssMiB!)), 0),
          cpu_us_per_op_by_thread: Object.fromEntries(Object.keys(ss[0]?.threadsPerOpUs ?? {}).map((k) => [k, round(median(ss.map((s) => s.threadsPerOpUs?.[k] ?? 0)), 1)])),
        });
      }
      row[config] = out;
    }
    report[storm.name] = row;
  }
  if (profileDir) {
    const byProcess: Record<string, Record<string, number>> = {};
    for (const file of fs.readdirSync(profileDir)) {
      const role = file.split('-')[0];
      const ms = stageMillis(path.join(profileDir, file));
      const sum = (byProcess[role] ??= {});
      for (const [stage, t] of Object.entries(ms)) sum[stage] = (sum[stage] ?? 0) + t;
    }
    report.stage_shares_percent = Object.fromEntries(Object.entries(byProcess).map(([role, ms]) => [`${role}_main_thread`, shares(ms)]));
  }
  return report;
}
