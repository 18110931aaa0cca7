/**
 * Container metadata under churn: short-lived pods (/bin/true) are started
 * one after another through real containerd while the node pipeline runs.
 * Reports how long after a container's first kernel event its metadata was
 * ready (ContainerStarted emitted) and the fraction of its events that left
 * with complete metadata (target 100%).
 * Memory (target: flat) is a real `vigil sensor` process's, streaming the same
 * churn to a `vigil controlplane`: flat means its RSS grows by under 10% over
 * the churn's second half, once V8 has sized its heap to the load. This
 * process's live heap after a full GC (node --expose-gc) is reported too: it
 * shows whether the pipeline keeps anything per container.
 */
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import { NodePipeline } from '../../sensor/src/node-pipeline';
import * as fs from 'node:fs';
import { TestContainerd, containerdTestOptions } from '../helpers/containerd';
import { tempDir } from '../helpers/temp-dir';
import { startVigil } from '../helpers/vigil-cli';
import { percentile, round } from './stats';
import { memMiB } from './proc-stats';

const mib = (bytes: number) => round(bytes / 1024 / 1024, 1);

/** Heap still in use after a full collection, or NaN without --expose-gc. */
function liveHeapMib(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return NaN;
  gc();
  return mib(process.memoryUsage().heapUsed);
}

export async function benchContainerChurn(pods: number) {
  const gate = containerdTestOptions();
  if (gate.skip) return { skipped: gate.skip };
  const ctd = await TestContainerd.start();
  const readyAt = new Map<string, number>();
  const firstNs = new Map<string, bigint>();
  const counts = new Map<string, { all: number; complete: number }>();
  const pipeline = new NodePipeline({
    kernel: { flushMs: 10 },
    criSocket: ctd.socket,
    log: () => undefined,
    sink: (events: Event__Output[]) => {
      const now = Date.now();
      for (const ev of events) {
        const id = ev.container?.id;
        if (!id) continue;
        if (ev.body === 'container_started') readyAt.set(id, now);
        const t = BigInt(ev.time_unix_nano);
        if (!firstNs.has(id) || t < firstNs.get(id)!) firstNs.set(id, t);
        const c = counts.get(id) ?? { all: 0, complete: 0 };
        c.all++;
        if (!ev.container!.metadata_incomplete) c.complete++;
        counts.set(id, c);
      }
    },
  });
  const dataDir = tempDir('vigil-churn-');
  const cp = startVigil(['controlplane', '--data-dir', dataDir]);
  await cp.waitFor(/listening on/);
  const sensor = startVigil(['sensor', '--data-dir', dataDir, '--node-name', 'churn-node', '--cri-socket', ctd.socket]);
  await sensor.waitFor(/streaming/);
  const sensorPid = sensor.child.pid!;
  const rss: number[] = [memMiB(sensorPid, 'VmRSS')];
  const sampler = setInterval(() => rss.push(memMiB(sensorPid, 'VmRSS')), 250);
  const ids: string[] = [];
  const started = Date.now();
  let rssAtHalf = 0;
  let liveAtHalf = NaN;
  for (let i = 0; i < pods; i++) {
    if (i === Math.floor(pods / 2)) {
      rssAtHalf = Math.max(...rss.slice(-8));
      liveAtHalf = liveHeapMib();
    }
    const p = await ctd.runPod({ name: `churn-${i}`, namespace: 'bench', command: ['/bin/true'] });
    ids.push(p.containerId, p.podId);
  }
  await new Promise((r) => setTimeout(r, 1500));
  const churnSeconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  rss.push(memMiB(sensorPid, 'VmRSS'));
  const liveAtEnd = liveHeapMib();
  sensor.child.kill('SIGINT');
  await sensor.exited;
  cp.child.kill('SIGINT');
  await cp.exited;
  fs.rmSync(dataDir, { recursive: true, force: true });
  await pipeline.stop();
  await ctd.stop();

  const latencies = ids.filter((id) => readyAt.has(id) && firstNs.has(id)).map((id) => readyAt.get(id)! - Number(firstNs.get(id)! / 1_000_000n));
  let all = 0;
  let complete = 0;
  for (const id of ids) {
    all += counts.get(id)?.all ?? 0;
    complete += counts.get(id)?.complete ?? 0;
  }
  const fraction = all ? complete / all : 0;
  const rssEnd = Math.max(...rss.slice(-8));
  const rssGrowth = rssEnd / rssAtHalf - 1;
  return {
    pods,
    churn_seconds: round(churnSeconds, 1),
    containers_seen: ids.filter((id) => counts.has(id)).length,
    metadata_ready_ms_p50: round(percentile(latencies, 50), 1),
    metadata_ready_ms_p99: round(percentile(latencies, 99), 1),
    events_from_churned_containers: all,
    complete_metadata_fraction: round(fraction, 5),
    complete_metadata_target: 1,
    complete_metadata_met: fraction === 1,
    sensor_rss_mib_start: rss[0],
    sensor_rss_mib_half: rssAtHalf,
    sensor_rss_mib_end: rssEnd,
    sensor_rss_growth_second_half: round(rssGrowth, 3),
    sensor_rss_flat_met: rssGrowth < 0.1,
    pipeline_live_heap_mib_half: liveAtHalf,
    pipeline_live_heap_mib_end: liveAtEnd,
  };
}
