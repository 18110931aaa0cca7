/**
 * Container metadata under churn: short-lived pods (/bin/true) are started
 * one after another through real containerd while the node pipeline runs.
 * Reports how long after a container's first kernel event its metadata was
 * ready (ContainerStarted emitted), the fraction of its events that left with
 * complete metadata (target 100%), and the process RSS across the churn
 * (target: flat).
 */
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import { NodePipeline } from '../../sensor/src/node-pipeline';
import { TestContainerd, containerdTestOptions } from '../helpers/containerd';
import { percentile, round } from './stats';

const mib = () => round(process.memoryUsage().rss / 1024 / 1024, 1);

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
  const rss: number[] = [mib()];
  const sampler = setInterval(() => rss.push(mib()), 250);
  const ids: string[] = [];
  const started = Date.now();
  for (let i = 0; i < pods; i++) {
    const p = await ctd.runPod({ name: `churn-${i}`, namespace: 'bench', command: ['/bin/true'] });
    ids.push(p.containerId, p.podId);
  }
  await new Promise((r) => setTimeout(r, 1500));
  const churnSeconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  rss.push(mib());
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
  const steady = rss.slice(Math.floor(rss.length / 4));
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
    rss_mib_start: rss[0],
    rss_mib_end: rss[rss.length - 1],
    rss_mib_max: Math.max(...rss),
    rss_growth_after_warmup_mib: round(Math.max(...steady) - steady[0], 1),
  };
}
