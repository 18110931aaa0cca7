/**
 * What the sensor shows on its metrics endpoint, read at scrape time from
 * the counters its stages keep (the kernel's per-CPU counters, the outbox,
 * the stream, the metadata cache, the process tree), and what its health
 * endpoints check: programs attached, events flowing, the control plane
 * taking them.
 */
import type { MetricsEndpoint } from '../../proto/metrics-endpoint';
import { EVENT_KINDS } from '../../native';
import { TREE_EVENTS } from '../../proto/client-connection';
import { bpfAttachedCheck } from './bpf-links';
import { keptEncodings } from './event-encoding';
import type { CriCallObserver } from './identity/cri-client';
import type { NodePipeline } from './node-pipeline';
import type { Outbox } from './outbox';
import type { SensorClient } from './sensor-client';

export interface SensorParts {
  nodeName: string;
  pipeline: NodePipeline;
  outbox: Outbox;
  client: SensorClient;
}

/** A runtime answers in milliseconds; the call's deadline is seconds. */
const CRI_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The CRI latency histogram, made before the pipeline that feeds it. */
export function criLatencyMetric(m: MetricsEndpoint): CriCallObserver {
  const calls = m.histogram('cri_request_seconds', 'Calls to the container runtime (CRI) to describe containers, per method and gRPC status', ['method', 'code'], CRI_BUCKETS);
  return (method, code, seconds) => calls.observe({ method, code }, seconds);
}

export function addSensorMetrics(m: MetricsEndpoint, p: SensorParts): void {
  m.registry.setDefaultLabels({ node: p.nodeName });
  const kernel = p.pipeline.kernel;
  // One read of the per-CPU kernel counters per scrape, for the three metrics made from them.
  let snapshot: ReturnType<typeof kernel.stats> | undefined;
  const kernelStats = () => {
    if (!snapshot) {
      snapshot = kernel.stats();
      setImmediate(() => (snapshot = undefined));
    }
    return snapshot;
  };
  m.counter('kernel_events_total', 'Records the kernel submitted to the ring buffer, per hook (event type)', ['hook'], () => {
    const { byType } = kernelStats();
    return EVENT_KINDS.map((hook) => [{ hook }, byType[hook].events] as const);
  });
  m.counter('kernel_drops_total', 'Records the kernel could not deliver, per hook and reason (each also sent on as a loss event)', ['hook', 'reason'], () => {
    const { byType } = kernelStats();
    return EVENT_KINDS.flatMap((hook) => [
      [{ hook, reason: 'ring_buffer_full' }, byType[hook].ringBufferFull] as const,
      [{ hook, reason: 'pending_full' }, byType[hook].pendingFull] as const,
      [{ hook, reason: 'unresolved_path' }, byType[hook].unresolved] as const,
    ]);
  });
  m.counter('kept_events_total', 'Process-tree events (fork, exit) the sensor kept, by type: they updated its process tree and were not sent (see --forward)', ['type'], () =>
    TREE_EVENTS.map((type) => [{ type }, p.pipeline.keptBack.get(type) ?? 0] as const),
  );
  m.counter('lost_events_total', 'Events lost, per stage: ring_buffer (kernel), decode, sensor_queue (write-ahead log full, or a crashed run), grpc_refused (the control plane refused the batch)', ['stage'], () => {
    const o = p.outbox.stats;
    return [
      [{ stage: 'ring_buffer' }, kernelStats().drops],
      [{ stage: 'decode' }, p.pipeline.decodeErrors],
      [{ stage: 'sensor_queue' }, o.droppedEvents - o.refusedEvents],
      [{ stage: 'grpc_refused' }, o.refusedEvents],
    ] as const;
  });
  m.gauge('outbox_pending_batches', 'Batches logged and not yet acknowledged by the control plane', [], () => p.outbox.stats.pending);
  m.gauge('outbox_pending_bytes', 'Bytes of those batches (what the log\'s bound applies to)', [], () => p.outbox.stats.pendingBytes);
  m.gauge('outbox_log_bytes', 'Bytes of the write-ahead log files on disk', [], () => p.outbox.stats.logBytes);
  m.counter('stream_failures_total', 'Streams to the control plane that broke or were refused', [], () => p.client.failures);
  m.gauge('controlplane_connected', '1 while the stream to the control plane is open and welcomed', [], () => (p.client.connected ? 1 : 0));
  m.counter('container_lookups_total', 'Containers looked up when first seen', [], () => p.pipeline.metadata.stats.lookups);
  m.counter('container_lookup_failures_total', 'Containers whose events went on without metadata (flagged metadata_incomplete)', [], () => p.pipeline.metadata.stats.failedLookups);
  m.gauge('held_events', 'Events waiting for their container\'s metadata', [], () => p.pipeline.metadata.stats.held);
  m.gauge('containers', 'Containers the metadata cache knows', [], () => p.pipeline.metadata.stats.containers);
  m.gauge('encodings_kept', 'Encoded Process and Container messages the sensor keeps to reuse on later events of the same thread or cgroup, per kind (at most 4,096 or 1 MiB each)', ['kind'], () =>
    Object.entries(keptEncodings()).map(([kind, n]) => [{ kind }, n] as const),
  );
  m.gauge('process_tree_size', 'Processes in the sensor\'s process tree', [], () => p.pipeline.tree.size);

  m.addCheck('live', 'bpf', bpfAttachedCheck(kernel));
  m.addCheck('ready', 'controlplane', () => p.client.problem);
}
