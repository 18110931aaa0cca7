/**
 * What the control plane shows on its metrics endpoint, read at scrape time
 * from the counters its parts keep (the same ones `vigil up`'s status line
 * prints), and what its health endpoints check.
 */
import type { MetricsEndpoint, Samples } from '../../proto/metrics-endpoint';
import type { AlertStream } from './alerts/alert-stream';
import type { DetectionEngine } from './detections/engine';
import type { IngestPipeline } from './ingest/pipeline';
import type { SensorService } from './server/sensor-service';
import type { Retention } from './store/retention';
import type { StoreWriter } from './store/writer';
import type { OutputStats } from './outputs/export-queue';
import type { ClusterNodeStatus } from '../../proto/generated/vigil/v1/ClusterNodeStatus';

export interface ControlPlaneParts {
  pipeline: IngestPipeline;
  sensors: SensorService;
  writer: StoreWriter;
  retention: Retention;
  stream: AlertStream;
  engine: DetectionEngine;
  outputs: () => OutputStats[];
  /** A cluster view's nodes; none for a node's own control plane. */
  clusterNodes: () => ClusterNodeStatus[];
}

/** A write takes a millisecond or so; seconds mean the disk or the lock is in trouble. */
const WRITE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function perLabel(label: string, counts: ReadonlyMap<string, number> | Record<string, number>): Samples {
  const entries = counts instanceof Map ? [...counts] : Object.entries(counts);
  return entries.map(([value, n]) => [{ [label]: value }, n] as const);
}

export function addControlPlaneMetrics(m: MetricsEndpoint, p: ControlPlaneParts): void {
  m.counter('events_stored_total', 'Events stored, per sending node and event type', ['node', 'type'], () =>
    [...p.pipeline.storedByType].flatMap(([node, byType]) => [...byType].map(([type, n]) => [{ node, type }, n] as const)),
  );
  m.counter('events_lost_total', 'Events the sensors reported lost: kernel ring buffer, sensor queue, refused batches, crashed runs', [], () => p.pipeline.eventsLost);
  m.counter('batches_refused_total', 'Sensor batches refused: for what they hold (the sensor keeps them as gaps), or because the store could not commit them (resent)', ['reason'], () => perLabel('reason', p.sensors.refusedBatches));
  const writes = m.histogram('store_write_seconds', 'Time from a write request to its commit on the store writer thread', ['op'], WRITE_BUCKETS);
  p.writer.onWritten = (op, seconds) => writes.observe({ op }, seconds);
  m.gauge('store_used_bytes', 'Bytes of the store database in use (what --max-db-size bounds)', [], () => p.retention.usedBytes());
  m.counter('retention_deleted_rows_total', 'Rows deleted by --retention and --max-db-size, per table', ['table'], () => perLabel('table', p.retention.deleted));
  m.counter('alerts_total', 'New alerts raised, per rule', ['rule'], () => perLabel('rule', p.stream.publishedByRule));
  m.counter('alerts_excepted_total', 'Findings an exception of the rules file silenced, per rule', ['rule'], () => perLabel('rule', p.engine.excepted));
  m.counter('rule_errors_total', 'Times a rule threw on an event (the event goes on; the first error is logged)', ['rule'], () => perLabel('rule', p.engine.ruleErrors));
  m.gauge('alert_stream_clients', 'Live alert stream subscribers', [], () => p.stream.subscribers);
  m.gauge('sensors_connected', 'Sensor streams open', [], () => p.sensors.connected);
  m.gauge('sensor_lag_seconds', 'Per node, how long before its commit the newest event of its last batch happened', ['node'], () =>
    [...p.pipeline.lagMs].map(([node, ms]) => [{ node }, ms / 1000] as const),
  );

  const perOutput = (pick: (o: OutputStats) => [number, number]) => () =>
    p.outputs().flatMap((o) => {
      const [alerts, batches] = pick(o);
      return [[{ output: o.output, kind: 'alerts' }, alerts] as const, [{ output: o.output, kind: 'event_batches' }, batches] as const];
    });
  m.counter('output_sent_total', 'Alerts and event batches each output delivered (acknowledged by JetStream, or answered 2xx)', ['output', 'kind'], perOutput((o) => [o.alertsSent, o.batchesSent]));
  m.counter('output_dropped_total', 'Alerts and event batches an output skipped because it fell more than its max_lag behind (each skip is a gap)', ['output', 'kind'], perOutput((o) => [o.alertsDropped, o.batchesDropped]));
  m.gauge('output_lag', 'Alerts and event batches stored but not yet delivered by each output: the export lag', ['output', 'kind'], perOutput((o) => [o.alertsLag, o.batchesLag]));
  m.counter('output_failures_total', 'Delivery rounds of each output that failed (each is retried)', ['output'], () => p.outputs().map((o) => [{ output: o.output }, o.failures] as const));
  m.gauge('cluster_node_connected', 'For a cluster view: 1 while the alert stream of each node control plane is open', ['address'], () =>
    p.clusterNodes().map((n) => [{ address: n.address ?? '' }, n.connected ? 1 : 0] as const),
  );
  m.counter('cluster_node_alerts_total', 'For a cluster view: alerts taken from each node control plane since it started', ['address'], () =>
    p.clusterNodes().map((n) => [{ address: n.address ?? '' }, Number(n.alerts_received ?? 0)] as const),
  );

  m.addCheck('live', 'store-writer', () => p.writer.problem && `the writer thread stopped: ${p.writer.problem}`);
  m.addCheck('ready', 'store', () => p.writer.probe().then(() => undefined, (err: Error) => `cannot write: ${err.message}`));
}
