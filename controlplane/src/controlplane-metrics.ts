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

export interface ControlPlaneParts {
  pipeline: IngestPipeline;
  sensors: SensorService;
  writer: StoreWriter;
  retention: Retention;
  stream: AlertStream;
  engine: DetectionEngine;
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

  m.addCheck('live', 'store-writer', () => p.writer.problem && `the writer thread stopped: ${p.writer.problem}`);
  m.addCheck('ready', 'store', () => p.writer.probe().then(() => undefined, (err: Error) => `cannot write: ${err.message}`));
}
