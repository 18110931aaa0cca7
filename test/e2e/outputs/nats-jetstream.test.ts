import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { startTestControlPlane } from '../../helpers/controlplane';
import { TestSensorStream } from '../../helpers/grpc-clients';
import { freePort } from '../../helpers/free-port';
import { NatsServer, natsTestOptions } from '../../helpers/nats-server';
import { distinctShellInContainer } from '../../helpers/synthetic-events';
import { tempDir } from '../../helpers/temp-dir';
import { metric, scrapeMetrics } from '../../helpers/metrics-text';
import { runVigil, startVigil, type LiveCommand } from '../../helpers/vigil-cli';
import { eventually } from '../../helpers/eventually';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Stored {
  subject: string;
  msgId: string;
  body: { id?: string; node?: string; seq?: string; events?: unknown[] };
}

/**
 * `use` on a connection of its own, closed after: a connection held across a
 * nats-server restart may still be reconnecting when it is asked something.
 */
async function withConnection<T>(url: string, token: string | undefined, use: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: url, token });
  try {
    return await use(nc);
  } finally {
    await nc.close();
  }
}

const streamInfo = (url: string, stream: string, token?: string) => withConnection(url, token, async (nc) => (await jetstreamManager(nc)).streams.info(stream));

/** Everything the stream holds, read back as a downstream consumer would. */
function streamContents(url: string, stream: string, token?: string): Promise<Stored[]> {
  return withConnection(url, token, async (nc) => {
    const total = (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
    const out: Stored[] = [];
    if (total === 0) return out;
    const consumer = await jetstream(nc).consumers.get(stream);
    while (out.length < total) {
      for await (const m of await consumer.fetch({ max_messages: total - out.length, expires: 2000 })) out.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id') ?? '', body: m.json() });
    }
    return out;
  });
}


function writeRules(file: string, nats: Record<string, unknown>): void {
  fs.writeFileSync(file, `outputs:\n  nats:\n${Object.entries(nats).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}\n`).join('')}`);
}

/** Restarting nats-server and the control plane takes a while on a busy machine. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000) => eventually(what, probe, ms);

describe('NATS JetStream output', { ...natsTestOptions(), timeout: 180_000 }, () => {
  test('every alert and event batch arrives exactly once across a killed nats-server and a killed control plane', async () => {
    const nats = new NatsServer(await freePort(), tempDir('vigil-nats-'));
    await nats.start();
    // A stream the user made: the output publishes into it as it is.
    await withConnection(nats.url, undefined, async (nc) => (await jetstreamManager(nc)).streams.add({ name: 'VIGILTEST', subjects: ['vigil.>'], duplicate_window: 300_000_000_000 }));
    const dataDir = tempDir('vigil-out-');
    const rules = path.join(dataDir, 'rules.yaml');
    writeRules(rules, { url: nats.url, stream: 'VIGILTEST', events: true });
    let cp: LiveCommand | undefined;
    let sensor: TestSensorStream | undefined;
    try {
      const startCp = async () => {
        cp = startVigil(['controlplane', '--data-dir', dataDir, '--rules', rules]);
        await cp.waitFor(/listening on/);
        assert.match(cp.stderr(), /nats output: exporting alerts and events to nats:\/\/127\.0\.0\.1/);
        sensor = new TestSensorStream(`unix://${dataDir}/vigil.sock`, fs.readFileSync(path.join(dataDir, 'token'), 'utf8').trim());
        return sensor.hello('node-a');
      };
      let seq = await startCp();
      let n = 0;
      // Two alerts per batch.
      const send = async (batches: number) => {
        for (let i = 0; i < batches; i++) await sensor!.send('node-a', ++seq, [distinctShellInContainer(++n), distinctShellInContainer(++n)]);
      };

      await send(10);
      // Killed while batches (and so publishes) keep coming.
      await Promise.all([send(20), sleep(50).then(() => nats.kill('SIGKILL'))]);
      await send(10);
      await cp!.waitFor(/nats output \(nats:\/\/127\.0\.0\.1:\d+\): .*; retrying/, 20_000);
      await nats.start();
      await cp!.waitFor(/nats output: delivering to nats:\/\/127\.0\.0\.1:\d+ stream VIGILTEST again/, 20_000);
      await send(10);
      // The control plane dies as abruptly, right after a burst it is still exporting.
      await send(20);
      cp!.child.kill('SIGKILL');
      await cp!.exited;
      sensor!.close();
      seq = await startCp();
      await send(10);

      const listed = (await runVigil(['alerts', '--data-dir', dataDir, '--json', '--limit', '1000'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string });
      const storedAlerts = listed.map((a) => a.id);
      assert.equal(storedAlerts.length, 160, 'the store holds every alert raised');
      const expectedBatches = 80;
      const contents = await waitFor('every alert and batch in the stream', async () => {
        const all = await streamContents(nats.url, 'VIGILTEST');
        const alerts = new Set(all.filter((m) => m.subject === 'vigil.alerts').map((m) => m.body.id));
        const batches = new Set(all.filter((m) => m.subject === 'vigil.events.node-a').map((m) => m.body.seq));
        return alerts.size >= storedAlerts.length && batches.size >= expectedBatches ? all : undefined;
      });

      const alertMsgs = contents.filter((m) => m.subject === 'vigil.alerts');
      const byMsgId = new Map<string, number>();
      for (const m of contents) byMsgId.set(m.msgId, (byMsgId.get(m.msgId) ?? 0) + 1);
      assert.deepEqual([...byMsgId].filter(([, n]) => n > 1), [], 'no message id stored twice');
      assert.deepEqual(alertMsgs.map((m) => m.body.id).sort(), [...storedAlerts].sort(), 'each stored alert exactly once, by alert id');
      for (const m of alertMsgs) assert.equal(m.msgId, `alert-node-a-${m.body.id}`);
      assert.deepEqual(alertMsgs.find((m) => m.body.id === '1')?.body, listed.find((a) => a.id === '1'), 'an alert is published as vigil alerts --json prints it');
      const batchMsgs = contents.filter((m) => m.subject === 'vigil.events.node-a');
      assert.equal(batchMsgs.length, expectedBatches, 'each committed batch exactly once');
      assert.equal(new Set(batchMsgs.map((m) => m.body.seq)).size, expectedBatches);
      for (const m of batchMsgs) {
        assert.equal(m.msgId, `node-a-${m.body.seq}`);
        assert.equal(m.body.node, 'node-a');
        assert.equal(m.body.events?.length, 2, `batch ${m.body.seq} carries its events`);
      }
      const kept = await streamInfo(nats.url, 'VIGILTEST');
      assert.deepEqual([kept.config.subjects, kept.config.duplicate_window], [['vigil.>'], 300_000_000_000], 'the existing stream is used unchanged');
      const gaps = await runVigil(['gaps', '--data-dir', dataDir, '--json']);
      assert.doesNotMatch(gaps.stdout, /"kind":"output"/, 'nothing was skipped');
    } finally {
      sensor?.close();
      cp?.child.kill('SIGINT');
      await cp?.exited;
      await nats.kill();
    }
  });

  test('an output that falls more than max_lag behind skips the oldest, records a gap, and sends the rest when the server is back', async () => {
    const port = await freePort();
    const dataDir = tempDir('vigil-out-');
    const rules = path.join(dataDir, 'rules.yaml');
    const tokenFile = path.join(dataDir, 'nats.token');
    fs.writeFileSync(tokenFile, 'nats-s3cret\n');
    writeRules(rules, { url: `nats://127.0.0.1:${port}`, stream: 'LAGTEST', max_lag: 5, token_file: tokenFile, events: true });
    const cp = await startTestControlPlane({ dataDir, rulesFile: rules, metrics: { listen: { host: '127.0.0.1', port: 0 } } });
    const metricsPort = cp.metricsAt && 'port' in cp.metricsAt ? cp.metricsAt.port : 0;
    const scraped = async (name: string, kind: string) => metric(await scrapeMetrics(metricsPort), `vigil_controlplane_${name}`, { output: 'nats', kind });
    const sensor = new TestSensorStream(cp.target, cp.token);
    const nats = new NatsServer(port, tempDir('vigil-nats-'), 'nats-s3cret');
    try {
      await sensor.hello('node-b');
      for (let i = 1; i <= 12; i++) await sensor.send('node-b', BigInt(i), [distinctShellInContainer(i)]);
      const failing = await waitFor('the output to report its failure', async () => {
        const [s] = cp.outputStats();
        return s.failures > 0 && s.alertsDropped === 7 && s.batchesDropped === 7 ? s : undefined;
      });
      assert.equal(failing.output, 'nats');
      assert.match(failing.lastError ?? '', new RegExp(`nats output \\(nats://127\\.0\\.0\\.1:${port}\\): connect`));
      assert.equal(failing.alertsLag, 5);
      assert.equal(failing.batchesLag, 5);
      assert.ok(failing.lastErrorAtMs! <= Date.now() && failing.lastErrorAtMs! > Date.now() - 60_000);
      assert.deepEqual([await scraped('output_dropped_total', 'alerts'), await scraped('output_dropped_total', 'event_batches')], [7, 7], '/metrics shows the skips');
      assert.deepEqual([await scraped('output_lag', 'alerts'), await scraped('output_lag', 'event_batches')], [5, 5], '/metrics shows the export lag');

      const gaps = (await runVigil(['gaps', '--data-dir', dataDir, '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; source: string; node?: string; skipped: number; firstSeq: string; lastSeq: string; reason: string });
      const batchGap = gaps.find((g) => g.kind === 'output' && g.node === 'node-b');
      assert.ok(batchGap, 'the skipped batches are a gap of their own');
      assert.deepEqual([batchGap.source, batchGap.skipped, batchGap.firstSeq, batchGap.lastSeq], ['nats', 7, '1', '7']);
      assert.match(batchGap.reason, /more than 5 batches of node-b behind \(max_lag\)/);
      const gap = gaps.find((g) => g.kind === 'output' && !g.node);
      assert.ok(gap, 'vigil gaps lists the output gap');
      assert.equal(gap.source, 'nats');
      assert.equal(gap.skipped, 7);
      assert.deepEqual([gap.firstSeq, gap.lastSeq], ['1', '7']);
      assert.match(gap.reason, /more than 5 alerts behind \(max_lag\)/);
      const lines = (await runVigil(['gaps', '--data-dir', dataDir])).stdout;
      assert.match(lines, /output nats\s+7 alerts not exported \(ids 1-7\)/);
      assert.match(lines, /output nats\s+7 batches of node-b not exported \(seqs 1-7\)/);
      const onlyB = (await runVigil(['gaps', '--data-dir', dataDir, '--node', 'node-b', '--json'])).stdout.trim().split('\n');
      assert.equal(onlyB.length, 1, 'vigil gaps --node keeps the batch gap and leaves the alert gap out');

      await nats.start();
      const got = await waitFor('the 5 newest alerts and batches in the stream', async () => {
        const all = await streamContents(nats.url, 'LAGTEST', 'nats-s3cret').catch(() => []);
        return all.length >= 10 ? all : undefined;
      });
      assert.deepEqual(got.filter((m) => m.subject === 'vigil.alerts').map((m) => m.body.id), ['8', '9', '10', '11', '12']);
      assert.deepEqual(got.filter((m) => m.subject === 'vigil.events.node-b').map((m) => m.body.seq), ['8', '9', '10', '11', '12']);
      const made = await streamInfo(nats.url, 'LAGTEST', 'nats-s3cret');
      assert.deepEqual([made.config.subjects, made.config.duplicate_window], [['vigil.alerts', 'vigil.events.>'], 120_000_000_000], 'a missing stream is made for both subjects, with the duplicate window');
      // The stream has the messages a moment before the output has their acks.
      await waitFor('the counters to show the 5 and 5 sent, nothing behind', async () => {
        const [s] = cp.outputStats();
        return s.alertsSent === 5 && s.batchesSent === 5 && s.alertsLag === 0 && s.batchesLag === 0 ? s : undefined;
      }, 10_000);
      assert.deepEqual([await scraped('output_sent_total', 'alerts'), await scraped('output_sent_total', 'event_batches'), await scraped('output_lag', 'alerts')], [5, 5, 0]);
    } finally {
      sensor.close();
      await cp.stop();
      await nats.kill();
    }
  });
});
