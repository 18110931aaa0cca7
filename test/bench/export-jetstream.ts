/**
 * The NATS JetStream output draining a backlog: how many alerts, then how
 * many event batches (two events each), per second it reads from the store,
 * encodes as JSON, publishes to a local nats-server (-js, file storage) and
 * has acknowledged by JetStream, cursor committed after each chunk. The
 * backlog builds while nats-server is down; the control plane is then
 * restarted with the server up, and each rate is timed from the first item
 * of its kind sent to the last (connecting and starting are left out).
 * Ingest is not measured here (controlplane_ingest does that).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startTestControlPlane } from '../helpers/controlplane';
import { TestSensorStream } from '../helpers/grpc-clients';
import { freePort } from '../helpers/free-port';
import { NatsServer } from '../helpers/nats-server';
import { distinctShellInContainer } from '../helpers/synthetic-events';
import { tempDir } from '../helpers/temp-dir';
import { round } from './stats';

export async function benchExportJetStream(batches: number): Promise<Record<string, unknown>> {
  const nats = new NatsServer(await freePort(), tempDir('vigil-bench-nats-'));
  const dataDir = tempDir('vigil-bench-export-');
  const rules = path.join(dataDir, 'rules.yaml');
  fs.writeFileSync(rules, `outputs:\n  nats:\n    url: ${nats.url}\n    stream: BENCH\n    events: true\n    max_lag: 100000000\n`);

  let cp = await startTestControlPlane({ dataDir, rulesFile: rules });
  const sensor = new TestSensorStream(cp.target, cp.token);
  await sensor.hello('bench-node');
  for (let i = 0; i < batches; i++) await sensor.send('bench-node', BigInt(i + 1), [distinctShellInContainer(2 * i), distinctShellInContainer(2 * i + 1)]);
  sensor.close();
  const alerts = cp.status().alerts;
  await cp.stop();

  await nats.start();
  try {
    cp = await startTestControlPlane({ dataDir, rulesFile: rules });
    const marks: Record<'alerts0' | 'alerts1' | 'batches0' | 'batches1', { ms: number; sent: number } | undefined> = { alerts0: undefined, alerts1: undefined, batches0: undefined, batches1: undefined };
    const deadline = Date.now() + 600_000;
    for (;;) {
      const [s] = cp.outputStats();
      const now = performance.now();
      if (s.alertsSent > 0) marks.alerts0 ??= { ms: now, sent: s.alertsSent };
      if (s.alertsSent >= alerts) marks.alerts1 ??= { ms: now, sent: s.alertsSent };
      if (s.batchesSent > 0) marks.batches0 ??= { ms: now, sent: s.batchesSent };
      if (s.batchesSent >= batches) marks.batches1 ??= { ms: now, sent: s.batchesSent };
      if (marks.alerts1 && marks.batches1) break;
      if (Date.now() > deadline) throw new Error(`export_jetstream: backlog not drained: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    await cp.stop();
    const nc = await connect({ servers: nats.url });
    const stored = (await (await jetstreamManager(nc)).streams.info('BENCH')).state.messages;
    await nc.close();
    if (stored !== alerts + batches) throw new Error(`export_jetstream: the stream holds ${stored} messages, expected ${alerts + batches}`);
    const rate = (a: { ms: number; sent: number }, b: { ms: number; sent: number }) => round((b.sent - a.sent) / ((b.ms - a.ms) / 1000));
    return {
      measures: 'backlog drained from the store to JetStream with every publish acknowledged: alerts/s, then event batches/s (2 events each)',
      alerts,
      batches,
      alerts_per_second: rate(marks.alerts0!, marks.alerts1!),
      batches_per_second: rate(marks.batches0!, marks.batches1!),
    };
  } finally {
    await nats.kill();
  }
}
