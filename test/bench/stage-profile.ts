/**
 * Where a `vigil` process spends its CPU, by pipeline stage: a V8 CPU
 * profile (written by a process run with VIGIL_CPU_PROFILE_DIR) summed by
 * the stage of each sample. A sample belongs to the nearest Vigil source
 * file on its stack, counted from the top (a protobufjs decode called by
 * ingest is ingest's cost); a stack with no Vigil file belongs to the
 * library it runs in (gRPC's socket reads, SQLite) or to Node itself. Only
 * the profiled thread is seen: a worker thread's cost (the store's writer)
 * shows in the per-thread CPU figures instead.
 */
import * as fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Source paths (relative to the compiled tree) and libraries, with the stage each is part of; the first match wins. */
const STAGES: [RegExp, string][] = [
  [/\/sensor\/src\/kernel-sensor\./, 'ring buffer and addon'],
  [/\/sensor\/src\/decode\//, 'decode kernel records'],
  [/\/sensor\/src\/process-tree\./, 'process tree'],
  [/\/sensor\/src\/(identity|file-watch)\//, 'container metadata'],
  [/\/sensor\/src\/event-encoding\./, 'encode'],
  [/\/sensor\/src\/outbox\./, 'outbox (write-ahead log)'],
  [/\/sensor\/src\/sensor-client\./, 'gRPC'],
  [/\/sensor\/src\//, 'sensor, other'],
  [/\/controlplane\/src\/(server|ingest)\//, 'control-plane decode and validate'],
  [/\/controlplane\/src\/(detections|correlation|intel)\//, 'rules'],
  [/\/controlplane\/src\/(store|alerts)\//, 'store and alert stream'],
  [/\/controlplane\/src\//, 'control plane, other'],
];
const LIBRARIES: [RegExp, string][] = [
  [/\/node_modules\/@grpc\//, 'gRPC'],
  [/\/node_modules\/better-sqlite3\//, 'store and alert stream'],
  [/\/node_modules\/protobufjs\//, 'protobuf, outside a stage'],
];

function stageOfFrame(url: string, table: [RegExp, string][]): string | undefined {
  for (const [re, stage] of table) if (re.test(url)) return stage;
  return undefined;
}

/** Milliseconds of CPU per stage in one profile (idle time left out). */
export function stageMillis(file: string): Record<string, number> {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = stageOf.get(id);
    if (known) return known;
    const leaf = byId.get(id)!.callFrame;
    let stage: string | undefined;
    if (leaf.functionName === '(garbage collector)') stage = 'garbage collection';
    else if (leaf.functionName === '(idle)') stage = 'idle';
    else if (leaf.functionName === '(program)') stage = 'V8 and native, unattributed';
    for (let cur: number | undefined = id; !stage && cur !== undefined; cur = parent.get(cur)) stage = stageOfFrame(byId.get(cur)!.callFrame.url, STAGES);
    for (let cur: number | undefined = id; !stage && cur !== undefined; cur = parent.get(cur)) stage = stageOfFrame(byId.get(cur)!.callFrame.url, LIBRARIES);
    stage ??= 'Node runtime (event loop, timers, streams)';
    stageOf.set(id, stage);
    return stage;
  };
  const ms: Record<string, number> = {};
  profile.samples.forEach((id, i) => {
    const stage = classify(id);
    if (stage !== 'idle') ms[stage] = (ms[stage] ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000;
  });
  return ms;
}

/** Each stage's share of the total, largest first, rounded to a tenth of a percent. */
export function shares(ms: Record<string, number>): Record<string, number> {
  const total = Object.values(ms).reduce((a, b) => a + b, 0) || 1;
  return Object.fromEntries(
    Object.entries(ms)
      .sort((a, b) => b[1] - a[1])
      .map(([stage, t]) => [stage, Math.round((1000 * t) / total) / 10]),
  );
}
