/**
 * The detection engine's cost, every rule on, and threat-intel lookups.
 *  1. A mix of real events is recorded from the kernel while a workload runs
 *     (shells, recon and network tools, connects, mounts: what the node
 *     rules look at); three quarters are then placed in containers (with
 *     their ContainerStarted), as on a Kubernetes node. The engine evaluates
 *     the mix over and over; events/s and the share of one core it would
 *     take at 100,000 events/s are reported.
 *  2. Execs made to be slow: 4 KiB command lines (the sensor's argv bound)
 *     of the shapes that used to make patterns backtrack (mkfifo|||...,
 *     curl;chmod 777 ...) and others that stress the command-line parser.
 *     The slowest shape's events/s is reported.
 *  3. A 100,000-entry feed (CIDRs and addresses, IPv4 and IPv6) is loaded
 *     and looked up with addresses that hit and miss.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { recordMix } from './kernel-mix';
import { DetectionEngine } from '../../controlplane/src/detections/engine';
import { RuleSet } from '../../controlplane/src/detections/rule-set';
import { RULES } from '../../controlplane/src/detections/rules';
import { ThreatIntel } from '../../controlplane/src/intel/threat-intel';
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import { containerStarted, execEvent } from '../helpers/synthetic-events';
import { tempDir } from '../helpers/temp-dir';
import { round } from './stats';

/** Three events in four move into one of 50 containers, each announced first. */
function containerize(events: Event__Output[]): Event__Output[] {
  const pods = Array.from({ length: 50 }, (_, i) => ({ containerId: randomBytes(32).toString('hex'), namespace: 'bench', pod: `pod-${i}`, podUid: `uid-${i}`, image: `registry.example.com/app-${i % 5}:1` }));
  const out: Event__Output[] = pods.map((p) => containerStarted(p, { kubernetes_service: '10.96.0.1:443', init_pid: 1 }));
  events.forEach((ev, i) => {
    if (i % 4 === 3) return void out.push(ev);
    const p = pods[i % pods.length];
    out.push({ ...ev, container: { ...ev.container!, id: p.containerId, cgroup_name: p.containerId, image: p.image, pod_name: p.pod, pod_namespace: p.namespace, pod_uid: p.podUid } });
  });
  return out;
}

function benchEngine(mix: Event__Output[]): Record<string, unknown> {
  const engine = new DetectionEngine(RuleSet.build(RULES));
  let evaluated = 0;
  let alerts = 0;
  let spentNs = 0n;
  const batch = 1000;
  // Each pass gets fresh objects, as decoding gives ingest: nothing learnt about one event object helps the next.
  for (let pass = 0; spentNs < 3_000_000_000n || pass < 3; pass++) {
    const fresh = structuredClone(mix);
    for (let i = 0; i < fresh.length; i += batch) {
      const slice = fresh.slice(i, i + batch);
      const t0 = process.hrtime.bigint();
      const raised = engine.evaluate('bench', slice);
      if (pass > 0) {
        spentNs += process.hrtime.bigint() - t0;
        alerts += raised.length;
        evaluated += slice.length;
      }
    }
  }
  const seconds = Number(spentNs) / 1e9;
  const perSecond = evaluated / seconds;
  const kinds: Record<string, number> = {};
  for (const e of mix) kinds[e.body!] = (kinds[e.body!] ?? 0) + 1;
  return {
    what: 'DetectionEngine.evaluate with every rule on, over real kernel events (3 in 4 placed in containers), batches of 1,000',
    mix: kinds,
    events_per_second: Math.round(perSecond),
    alerts_per_pass: Math.round((alerts / evaluated) * mix.length),
    core_share_at_100k_events_per_second: round(100_000 / perSecond, 3),
  };
}

/** Shapes of command lines made to be slow (see the worst-case unit test, which bounds them). */
const ADVERSARIAL_UNITS = ['mkfifo|||||||', 'mkfifo|', 'curl;chmod 777 ', 'curl | base64 -d |', 'telnet |a', 'exec 5<>/dev/tcp/h/1;', 'python3 -c x;', '$(curl x)|', 'a=b '];

function benchWorstCase(): Record<string, unknown> {
  const engine = new DetectionEngine(RuleSet.build(RULES));
  const container = containerStarted({ containerId: 'f'.repeat(64), namespace: 'bench', pod: 'p', podUid: 'u' });
  engine.evaluate('bench', [container]);
  const perShape: Record<string, number> = {};
  for (const unit of ADVERSARIAL_UNITS) {
    const text = unit.repeat(Math.floor(4086 / unit.length));
    const ev = (): Event__Output => ({ ...execEvent({ pid: 7000, nsPid: 70, filename: '/bin/sh', argv: ['sh', '-c', text] }), container: container.container });
    let n = 0;
    let spent = 0n;
    while (spent < 300_000_000n) {
      const batch = Array.from({ length: 20 }, ev);
      const t0 = process.hrtime.bigint();
      engine.evaluate('bench', batch);
      spent += process.hrtime.bigint() - t0;
      n += batch.length;
    }
    perShape[unit] = Math.round(n / (Number(spent) / 1e9));
  }
  const [worst, rate] = Object.entries(perShape).sort((a, b) => a[1] - b[1])[0];
  return { what: '4 KiB sh -c command lines repeating one shape, every rule on', events_per_second_by_shape: perShape, slowest_shape: worst, slowest_events_per_second: rate, slowest_ms_per_event: round(1000 / rate, 3) };
}

function benchIntel(): Record<string, unknown> {
  const dir = tempDir('vigil-bench-intel-');
  const lines: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    const a = 20 + (i % 70);
    if (i % 10 === 0) lines.push(`2a0${i % 10}:${(i >> 4).toString(16)}::/48`);
    else if (i % 3 === 0) lines.push(`${a}.${(i >> 8) & 255}.${i & 255}.0/24`);
    else lines.push(`${a}.${(i >> 8) & 255}.${i & 255}.${(i * 7) & 255}`);
  }
  fs.writeFileSync(path.join(dir, 'big.netset'), `# 100,000 entries\n${lines.join('\n')}\n`);
  const intel = new ThreatIntel([dir], () => undefined);
  const loadStart = process.hrtime.bigint();
  intel.refresh();
  const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
  const probes = Array.from({ length: 10_000 }, (_, i) => (i % 5 === 0 ? `2a0${i % 10}:${(i >> 4).toString(16)}::1` : i % 2 ? `${20 + (i % 70)}.${(i >> 8) & 255}.${i & 255}.1` : `${100 + (i % 100)}.1.2.3`));
  let hits = 0;
  let lookups = 0;
  const start = process.hrtime.bigint();
  while (process.hrtime.bigint() - start < 2_000_000_000n) {
    for (const p of probes) if (intel.lookup(p)) hits++;
    lookups += probes.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { entries: intel.entries, load_ms: Math.round(loadMs), lookups_per_second: Math.round(lookups / seconds), hit_ratio: round(hits / lookups, 2) };
}

export async function benchDetections(): Promise<Record<string, unknown>> {
  const mix = containerize(await recordMix());
  return { engine: benchEngine(mix), worst_case: benchWorstCase(), threat_intel: benchIntel() };
}
