/**
 * `npm run bench`: runs every benchmark and prints one JSON document.
 * BENCH_ROUNDS, BENCH_SECONDS, BENCH_INGEST_SECONDS, BENCH_AUDIT_LOG_EVENTS,
 * BENCH_PODS, BENCH_NODES, BENCH_NODE_ALERTS and BENCH_EXPORT_BATCHES change the run lengths; BENCH_STORMS (e.g. "open,exec") picks the sensor's storms. Each benchmark runs in a fresh process of its own (this file,
 * given its name), so none measures the heap or the children another left.
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import { benchAuditLogFile } from './audit-log-file';
import { benchAuditWebhook } from './audit-webhook';
import { benchContainerChurn } from './container-churn';
import { benchDetections } from './detections';
import { benchExportJetStream } from './export-jetstream';
import { benchIngest } from './ingest';
import { benchSensorOverhead } from './sensor-overhead';
import { benchSensorOutbox } from './sensor-outbox';
import { benchPipeline } from './pipeline';
import { benchClusterFanIn } from './cluster-fan-in';
import { benchBatchInterval } from './batch-interval';

const BENCHMARKS: Record<string, () => Promise<unknown>> = {
  container_churn: () => benchContainerChurn(Number(process.env.BENCH_PODS ?? 200)),
  sensor_overhead: () =>
    benchSensorOverhead(Number(process.env.BENCH_ROUNDS ?? 4), Number(process.env.BENCH_SECONDS ?? 2), process.env.BENCH_STORMS?.split(',')),
  controlplane_ingest: () => benchIngest(Number(process.env.BENCH_INGEST_SECONDS ?? 10)),
  audit_webhook: () => benchAuditWebhook(Number(process.env.BENCH_INGEST_SECONDS ?? 10)),
  audit_log_file: () => benchAuditLogFile(Number(process.env.BENCH_AUDIT_LOG_EVENTS ?? 200_000)),
  detections: () => benchDetections(),
  sensor_outbox: () => benchSensorOutbox(),
  export_jetstream: () => benchExportJetStream(Number(process.env.BENCH_EXPORT_BATCHES ?? 2000)),
  vigil_up_pipeline: () => benchPipeline(Number(process.env.BENCH_ROUNDS ?? 4), Number(process.env.BENCH_SECONDS ?? 2)),
  batch_interval: () => benchBatchInterval(Number(process.env.BENCH_ROUNDS ?? 4), 10),
  cluster_fan_in: () => benchClusterFanIn(Number(process.env.BENCH_NODES ?? 8), Number(process.env.BENCH_NODE_ALERTS ?? 2000)),
};

async function main(): Promise<void> {
  const only = process.argv[2];
  if (only) {
    const bench = BENCHMARKS[only];
    if (!bench) throw new Error(`no benchmark "${only}"; there are: ${Object.keys(BENCHMARKS).join(', ')}`);
    process.stdout.write(`${JSON.stringify(await bench())}\n`);
    return;
  }
  const report: Record<string, unknown> = { machine: { cpus: os.cpus().length, kernel: os.release(), node: process.version } };
  for (const name of Object.keys(BENCHMARKS)) {
    const out = execFileSync(process.execPath, [...process.execArgv, __filename, name], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    report[name] = JSON.parse(out);
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
