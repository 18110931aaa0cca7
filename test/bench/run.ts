/**
 * `npm run bench`: runs every benchmark and prints one JSON document.
 * BENCH_ROUNDS and BENCH_SECONDS shorten or lengthen the runs.
 */
import * as os from 'node:os';
import { benchAuditWebhook } from './audit-webhook';
import { benchContainerChurn } from './container-churn';
import { benchIngest } from './ingest';
import { benchSensorOverhead } from './sensor-overhead';

async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
  const seconds = Number(process.env.BENCH_SECONDS ?? 2);
  const report = {
    machine: { cpus: os.cpus().length, kernel: os.release(), node: process.version },
    // First, while this process is fresh: it reports this process's RSS.
    container_churn: await benchContainerChurn(Number(process.env.BENCH_PODS ?? 200)),
    sensor_overhead: await benchSensorOverhead(rounds, seconds),
    controlplane_ingest: await benchIngest(Number(process.env.BENCH_INGEST_SECONDS ?? 10)),
    audit_webhook: await benchAuditWebhook(Number(process.env.BENCH_INGEST_SECONDS ?? 10)),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
