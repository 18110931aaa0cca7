/**
 * Cost of the sensor on real workloads: exec and connect storms (C programs)
 * run without and with the sensor, interleaved (A B A B ...) in one run, so
 * machine noise hits both sides alike. Captured counts only the storm's own
 * events: every one it generated must arrive.
 */
import type { EventKind } from '../../native';
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import { KernelSensor } from '../../sensor/src/kernel-sensor';
import { cFixture } from '../helpers/c-fixture';
import { run } from '../helpers/processes';
import { median, round } from './stats';

interface Storm {
  name: string;
  fixture: string;
  /** Whether `ev` is one of the events the storm with pid `pid` generates. */
  isOwn(ev: Event__Output, pid: number): boolean;
  /** Overhead target: the with-sensor rate may be at most this much lower. */
  maxOverhead: number;
}

const STORMS: Storm[] = [
  { name: 'exec', fixture: 'exec-storm', isOwn: (ev, pid) => ev.body === 'exec' && ev.process?.ppid === pid, maxOverhead: 0.05 },
  { name: 'connect', fixture: 'connect-storm', isOwn: (ev, pid) => ev.body === 'connect' && ev.process?.pid === pid, maxOverhead: 0.15 },
];

const ALL: EventKind[] = ['exec', 'fork', 'exit', 'connect', 'mount'];

async function runStorm(binary: string, seconds: number): Promise<{ pid: number; count: number; elapsed: number }> {
  const r = await run(binary, [String(seconds)]);
  if (r.code !== 0) throw new Error(`${binary} failed (${r.code}): ${r.stderr}`);
  const [count, elapsed] = r.stdout.trim().split(/\s+/).map(Number);
  return { pid: r.pid, count, elapsed };
}

async function withSensor(storm: Storm, binary: string, seconds: number) {
  const sensor = KernelSensor.start({ types: ALL });
  const own: Event__Output[] = [];
  let pid = -1;
  const early: Event__Output[] = [];
  sensor.onBatch((b) => {
    for (const ev of b.events) (pid === -1 ? early : own).push(ev);
  });
  const started = Date.now();
  const r = await runStorm(binary, seconds);
  pid = r.pid;
  // Let the last batches of the storm arrive, then count its events only.
  const stats = await sensor.stop();
  const wall = (Date.now() - started) / 1000;
  const captured = [...early, ...own].filter((ev) => storm.isOwn(ev, r.pid)).length;
  return { ...r, captured, drops: stats.drops, delivered: stats.delivered, wall };
}

export async function benchSensorOverhead(rounds: number, seconds: number) {
  const results: Record<string, unknown> = {};
  for (const storm of STORMS) {
    const binary = cFixture(storm.fixture);
    const base: number[] = [];
    const traced: number[] = [];
    let generated = 0;
    let captured = 0;
    let drops = 0;
    const deliveredPerSec: number[] = [];
    await runStorm(binary, 0.3); // warm the page cache and the binary
    for (let i = 0; i < rounds; i++) {
      const a = await runStorm(binary, seconds);
      base.push(a.count / a.elapsed);
      const b = await withSensor(storm, binary, seconds);
      traced.push(b.count / b.elapsed);
      generated += b.count;
      captured += b.captured;
      drops += b.drops;
      deliveredPerSec.push(b.delivered / b.wall);
    }
    const ratio = median(traced) / median(base);
    results[storm.name] = {
      rounds,
      seconds_per_run: seconds,
      baseline_per_sec: round(median(base), 0),
      with_sensor_per_sec: round(median(traced), 0),
      ratio: round(ratio),
      overhead: round(1 - ratio),
      overhead_target: storm.maxOverhead,
      overhead_met: 1 - ratio < storm.maxOverhead,
      generated,
      captured,
      captured_fraction: round(captured / generated, 5),
      capture_met: captured === generated,
      kernel_drops: drops,
      events_delivered_to_js_per_sec: round(median(deliveredPerSec), 0),
    };
  }
  return results;
}
