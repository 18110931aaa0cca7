/**
 * Cost of the sensor on real workloads: exec, connect, mount and open
 * storms (C programs), each run without a sensor, with the sensor without
 * its file hooks, and with everything, interleaved in one run (the order
 * rotates each round) so machine noise hits all three alike. Captured counts
 * only the storm's own events: every one it generated must arrive. The open
 * storm opens a path outside the watch table, so with the file hooks it must
 * produce no event and be counted as filtered, once per open.
 *
 * Two rates per storm: per wall-clock second, and per CPU second of the
 * storm (its own and its children's, which is where the BPF programs run).
 * On a shared machine the second is far steadier: other tenants take wall
 * time away, not the storm's CPU time per operation. Costs are given twice:
 * as the ratio of the medians, and as the median of each round's ratio
 * (runs of one round are seconds apart, so a slow phase of the machine
 * hits both sides of that ratio).
 *
 * The open storm also runs with the sensor plus an empty bpftrace program
 * on the file hooks' open tracepoint: the floor any program there pays
 * before it does anything, against which the filter's own cost shows.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EventKind } from '../../native';
import { EVENT_KINDS } from '../../native';
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import { KernelSensor, type SensorStats } from '../../sensor/src/kernel-sensor';
import { cFixture } from '../helpers/c-fixture';
import { run, waitForLine } from '../helpers/processes';
import { tempDir } from '../helpers/temp-dir';
import { median, round } from './stats';
import { hasBpftrace } from './bpftrace';

interface Storm {
  name: string;
  fixture: string;
  /** Arguments after the duration. */
  args: string[];
  /** Whether `ev` is one of the events the storm with pid `pid` generates; none for the open storm. */
  isOwn?: (ev: Event__Output, pid: number) => boolean;
  /** Overhead target against no sensor: the with-sensor rate may be at most this much lower. */
  maxOverhead: number;
}

type Config = 'none' | 'sensor' | 'sensor_with_file' | 'sensor_with_empty_program';
const CONFIGS: Config[] = ['none', 'sensor', 'sensor_with_file'];
/** An empty program on the tracepoint the open storm's calls reach. */
const EMPTY_OPEN_PROGRAM = 'tracepoint:syscalls:sys_exit_openat { }';
const WITHOUT_FILE: EventKind[] = EVENT_KINDS.filter((k) => k !== 'file');

function storms(): Storm[] {
  const dir = tempDir('vigil-bench-');
  const unwatched = path.join(dir, 'data.txt');
  fs.writeFileSync(unwatched, 'not watched\n');
  const mnt = path.join(dir, 'mnt');
  fs.mkdirSync(mnt);
  return [
    { name: 'exec', fixture: 'exec-storm', args: [], isOwn: (ev, pid) => ev.body === 'exec' && ev.process?.ppid === pid, maxOverhead: 0.05 },
    { name: 'connect', fixture: 'connect-storm', args: [], isOwn: (ev, pid) => ev.body === 'connect' && ev.process?.pid === pid, maxOverhead: 0.15 },
    { name: 'mount', fixture: 'mount-storm', args: [mnt], isOwn: (ev, pid) => ev.body === 'mount' && ev.process?.pid === pid, maxOverhead: 0.15 },
    { name: 'open', fixture: 'open-storm', args: [unwatched], maxOverhead: 0.05 },
  ];
}

interface StormRun {
  pid: number;
  count: number;
  elapsed: number;
  cpu: number;
}

async function runStorm(binary: string, seconds: number, args: string[]): Promise<StormRun> {
  const r = await run(binary, [String(seconds), ...args]);
  if (r.code !== 0) throw new Error(`${binary} failed (${r.code}): ${r.stderr}`);
  const [count, elapsed, cpu] = r.stdout.trim().split(/\s+/).map(Number);
  return { pid: r.pid, count, elapsed, cpu };
}

interface Traced extends StormRun {
  captured: number;
  stats: SensorStats;
  fileEvents: number;
  wall: number;
}

/** `a`'s cost against `b`: as the ratio of their medians, and as the median of each round's ratio. */
function cost(a: number[], b: number[]) {
  return {
    of_medians: round(1 - median(a) / median(b)),
    paired: round(median(a.map((x, i) => 1 - x / b[i]))),
  };
}

/** Medians per configuration, and what each costs against the one before it. */
function rates(samples: Partial<Record<Config, number[]>>) {
  const { none = [], sensor = [], sensor_with_file: withFile = [], sensor_with_empty_program: empty } = samples;
  return {
    baseline_per_sec: round(median(none), 0),
    with_sensor_per_sec: round(median(sensor), 0),
    with_sensor_and_file_hooks_per_sec: round(median(withFile), 0),
    overhead: cost(sensor, none),
    overhead_with_file_hooks: cost(withFile, none),
    // What loading the file hooks adds to a running sensor.
    file_hooks_cost: cost(withFile, sensor),
    ...(empty && {
      with_sensor_and_empty_program_per_sec: round(median(empty), 0),
      // The tracepoint's own dispatch: what any program there costs.
      empty_program_cost: cost(empty, sensor),
    }),
  };
}

/** bpftrace running `program`, once it is attached. */
async function startBpftrace(program: string): Promise<() => Promise<void>> {
  const child = spawn('bpftrace', ['-e', program], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  await waitForLine(child, 'stdout', /Attaching/, 30_000).catch((err: Error) => {
    throw new Error(`bpftrace -e '${program}' did not attach: ${err.message}; its stderr: ${stderr}`);
  });
  return async () => {
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
  };
}

async function withSensor(storm: Storm, binary: string, seconds: number, config: Exclude<Config, 'none'>): Promise<Traced> {
  const sensor = KernelSensor.start({ types: config === 'sensor_with_file' ? EVENT_KINDS : WITHOUT_FILE });
  const seen: Event__Output[] = [];
  sensor.onBatch((b) => void seen.push(...b.events));
  const stopEmpty = config === 'sensor_with_empty_program' ? await startBpftrace(EMPTY_OPEN_PROGRAM) : undefined;
  const started = Date.now();
  const r = await runStorm(binary, seconds, storm.args);
  await stopEmpty?.();
  // Let the last batches of the storm arrive, then count its events only.
  const stats = await sensor.stop();
  const wall = (Date.now() - started) / 1000;
  const captured = storm.isOwn ? seen.filter((ev) => storm.isOwn!(ev, r.pid)).length : 0;
  const fileEvents = seen.filter((ev) => ev.body === 'file' && ev.process?.pid === r.pid).length;
  return { ...r, captured, stats, fileEvents, wall };
}

/** `only`: storm names to run (default all). */
export async function benchSensorOverhead(rounds: number, seconds: number, only?: readonly string[]) {
  const results: Record<string, unknown> = {};
  const bpftrace = hasBpftrace();
  if (!bpftrace) results.empty_program = 'bpftrace not installed (apt-get install bpftrace): the open storm runs without its empty-program floor';
  for (const storm of storms().filter((s) => !only || only.includes(s.name))) {
    const binary = cFixture(storm.fixture);
    const configs: Config[] = storm.name === 'open' && bpftrace ? [...CONFIGS, 'sensor_with_empty_program'] : CONFIGS;
    const wall: Partial<Record<Config, number[]>> = Object.fromEntries(configs.map((c) => [c, []]));
    const cpu: Partial<Record<Config, number[]>> = Object.fromEntries(configs.map((c) => [c, []]));
    const checks = { generated: 0, captured: 0, kernel_drops: 0, file_events: 0, filtered: 0, opens_with_file: 0 };
    const deliveredPerSec: number[] = [];
    await runStorm(binary, 0.3, storm.args); // warm the page cache and the binary
    for (let i = 0; i < rounds; i++) {
      // Rotate the order so no configuration always runs first (or last).
      for (let j = 0; j < configs.length; j++) {
        const config = configs[(i + j) % configs.length];
        const t = config === 'none' ? undefined : await withSensor(storm, binary, seconds, config);
        const r = t ?? (await runStorm(binary, seconds, storm.args));
        wall[config]!.push(r.count / r.elapsed);
        cpu[config]!.push(r.count / r.cpu);
        if (!t) continue;
        checks.kernel_drops += t.stats.drops + t.stats.byType.file.unresolved;
        deliveredPerSec.push(t.stats.delivered / t.wall);
        checks.generated += t.count;
        checks.captured += t.captured;
        if (config === 'sensor_with_file') {
          checks.file_events += t.fileEvents;
          checks.filtered += t.stats.byType.file.filtered;
          checks.opens_with_file += t.count;
        }
      }
    }
    const perCpu = rates(cpu);
    results[storm.name] = {
      rounds,
      seconds_per_run: seconds,
      per_wall_second: rates(wall),
      per_cpu_second: perCpu,
      overhead_target: storm.maxOverhead,
      overhead_met: perCpu.overhead_with_file_hooks.of_medians < storm.maxOverhead,
      ...(storm.isOwn
        ? {
            generated: checks.generated,
            captured: checks.captured,
            capture_met: checks.captured === checks.generated,
          }
        : {
            // Every open ran the file hook and was filtered, none reported.
            file_events: checks.file_events,
            filtered_at_least_opens: checks.filtered >= checks.opens_with_file,
          }),
      kernel_drops: checks.kernel_drops,
      events_delivered_to_js_per_sec: round(median(deliveredPerSec), 0),
    };
  }
  return results;
}
