/**
 * What a seq may be and what the store makes of it, and what a sensor does
 * when the control plane refuses: a bounded integer, checked before the
 * store sees it; a jump forward is a recorded gap; a forged seq ahead of a
 * node's own never makes its later batches duplicates; a refused batch
 * becomes a gap with the reason, and a refused hello drops nothing.
 */
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { after, before, describe, test } from 'node:test';
import { REFUSED_SEQ, epochNow, seqOf } from '../../../proto/batch-seq';
import { Outbox } from '../../../sensor/src/outbox';
import { SensorClient } from '../../../sensor/src/sensor-client';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';
import { TestSensorStream } from '../../helpers/grpc-clients';
import { execEvent } from '../../helpers/synthetic-events';
import { tempDir } from '../../helpers/temp-dir';
import { runVigil } from '../../helpers/vigil-cli';

async function tokenFor(dataDir: string, node: string): Promise<string> {
  const r = await runVigil(['token', 'create', '--data-dir', dataDir, '--node', node]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('sequence numbers at the door', { timeout: 60_000 }, () => {
  let cp: TestControlPlane;
  before(async () => (cp = await startTestControlPlane()));
  after(() => cp.stop());
  const batchesOf = (node: string) => cp.query<{ seq: number }>('SELECT b.seq FROM batches b JOIN nodes n ON n.id = b.node_id WHERE n.name = ? ORDER BY b.seq', node).length;
  const gapsOf = (node: string) =>
    cp.query<{ first_seq: string; last_seq: string; reason: string }>('SELECT CAST(g.first_seq AS TEXT) AS first_seq, CAST(g.last_seq AS TEXT) AS last_seq, g.reason FROM gaps g JOIN nodes n ON n.id = g.node_id WHERE n.name = ? ORDER BY g.id', node);

  for (const [what, seq, why] of [
    ['2^63 (past what the store holds)', String(1n << 63n), /out of range/],
    ['2^64-1', '18446744073709551615', /out of range/],
    ['zero', '0', /out of range/],
    ['a counter of zero', String(seqOf(epochNow(), 0n)), /no counter part/],
    ['an epoch years ahead (2^62+1)', String((1n << 62n) + 1n), /more than a day ahead/],
  ] as const) {
    const node = `seq-${what.replace(/\W+/g, '-').replace(/-+$/, '').toLowerCase()}`;
    test(`seq ${what}: INVALID_ARGUMENT naming the batch, nothing stored, the server serves on`, async () => {
      const s = new TestSensorStream(cp.target, cp.token);
      await s.hello(node);
      s.call.write({ batch: { node_name: node, seq, events: [execEvent()] } });
      const err = await s.failure();
      assert.equal(err.code, grpc.status.INVALID_ARGUMENT, err.details);
      assert.match(err.details, why);
      assert.deepEqual(err.metadata.get(REFUSED_SEQ), [seq], 'the trailer names the refused batch');
      s.close();
      assert.equal(batchesOf(node), 0);
      const t = new TestSensorStream(cp.target, cp.token);
      assert.equal(await t.hello(node), 0n);
      assert.equal((await t.send(node, 1n, [execEvent()])).duplicate, false);
      t.close();
    });
  }

  test('a forged seq ahead of the node\'s own never turns its later batches into duplicates, nor its resume point', async () => {
    const node = 'forged-ahead';
    const now = epochNow();
    const real = (n: bigint) => seqOf(now, n);
    const s = new TestSensorStream(cp.target, cp.token);
    await s.hello(node);
    assert.equal((await s.send(node, real(1n), [execEvent()])).duplicate, false);
    // An hour ahead: within the clock slack, so accepted as a batch like any other.
    assert.equal((await s.send(node, seqOf(now + 3_600_000n, 1n), [execEvent()])).duplicate, false);
    assert.equal((await s.send(node, real(2n), [execEvent({ pid: 4242 })])).duplicate, false, 'the real sensor\'s next batch is stored');
    assert.equal((await s.send(node, real(2n), [execEvent({ pid: 4242 })])).duplicate, true, 'and only once');
    s.close();
    assert.equal(batchesOf(node), 3);
    const t = new TestSensorStream(cp.target, cp.token);
    t.call.write({ hello: { node_name: node, sensor_version: 'test', resume_from_seq: String(real(3n)), last_seq: String(real(5n)) } });
    const welcome = await new Promise<string>((resolve) => t.call.once('data', (m) => resolve(m.welcome.last_committed_seq)));
    assert.equal(BigInt(welcome), real(2n), 'a sensor holding up to its own seq resumes after its own last batch');
    t.close();
  });

  test('a jump forward is recorded as a gap with its range; a batch\'s own gap report is not doubled', async () => {
    const node = 'jumps';
    const e = epochNow();
    const s = new TestSensorStream(cp.target, cp.token);
    await s.hello(node);
    await s.send(node, seqOf(e, 1n), [execEvent()]);
    await s.send(node, seqOf(e, 5n), [execEvent()]);
    s.call.write({ batch: { node_name: node, seq: String(seqOf(e, 9n)), events: [], gap: { first_seq: String(seqOf(e, 6n)), last_seq: String(seqOf(e, 8n)), events: '12', reason: 'sensor outbox full' } } });
    await new Promise((r) => s.call.once('data', r));
    s.close();
    const gaps = gapsOf(node);
    assert.deepEqual(gaps.map((g) => [BigInt(g.first_seq) - seqOf(e, 0n), BigInt(g.last_seq) - seqOf(e, 0n)]), [[2n, 4n], [6n, 8n]]);
    assert.match(gaps[0].reason, /never arrived/);
    assert.equal(gaps[1].reason, 'sensor outbox full');
  });

  test('a gap that does not name seqs before its batch is refused', async () => {
    const s = new TestSensorStream(cp.target, cp.token);
    await s.hello('gap-after');
    s.call.write({ batch: { node_name: 'gap-after', seq: '10', events: [execEvent()], gap: { first_seq: '5', last_seq: '10', events: '1', reason: 'x' } } });
    const err = await s.failure();
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err.details, /its gap range 5 to 10 is not a range of seqs up to 9/);
    s.close();
  });
});

describe('a sensor refused', { timeout: 60_000 }, () => {
  let cp: TestControlPlane;
  before(async () => (cp = await startTestControlPlane({ metrics: { listen: { host: '127.0.0.1', port: 0 } } })));
  after(() => cp.stop());
  const stored = (node: string) => cp.query<{ n: number }>('SELECT count(*) AS n FROM events e JOIN nodes n ON n.id = e.node_id WHERE n.name = ?', node)[0].n;

  test('a batch refused for what it holds becomes a gap with the reason; the batches after it are stored', async () => {
    const lines: string[] = [];
    const outbox = new Outbox({ dir: tempDir(), nodeName: 'refused-batch' });
    const client = new SensorClient(outbox, { target: cp.target, token: cp.token, nodeName: 'refused-batch', version: 'test', log: (l) => lines.push(l) });
    outbox.enqueue([execEvent({ pid: 1 })]);
    outbox.enqueue([execEvent({ pid: 2 }), { ...execEvent({ pid: 3 }), body: undefined, exec: null }]);
    outbox.enqueue([execEvent({ pid: 4 })]);
    client.start();
    await until('both good batches are stored', () => stored('refused-batch') === 2);
    await until('the outbox is empty', () => outbox.stats.pending === 0);
    await client.stop();
    outbox.close();
    const gaps = cp.query<{ events: number; reason: string }>("SELECT g.events, g.reason FROM gaps g JOIN nodes n ON n.id = g.node_id WHERE n.name = 'refused-batch'");
    assert.equal(gaps.length, 1);
    assert.equal(gaps[0].events, 2, 'the refused batch\'s events are counted');
    assert.match(gaps[0].reason, /refused by the control plane: .*event 1 has no known body/);
    assert.ok(lines.some((l) => /refused, kept as a gap/.test(l)));
    assert.equal(outbox.stats.refusedEvents, 2, 'the sensor counts them as refused');
    assert.ok(client.failures >= 1, 'and the stream the refusal ended');
    const at = cp.metricsAt as { port: number };
    const text = await (await fetch(`http://127.0.0.1:${at.port}/metrics`)).text();
    assert.match(text, /^vigil_controlplane_batches_refused_total\{reason="invalid"\} 1$/m, 'the control plane counts the refusal');
    assert.match(text, /^vigil_controlplane_batches_refused_total\{reason="store"\} 0$/m);
  });

  test('a refused hello drops nothing: once the credential is right, every batch arrives', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const wrong = await tokenFor(cp.dataDir, 'node-b');
    let outbox = new Outbox({ dir, nodeName: 'node-a' });
    let client = new SensorClient(outbox, { target: cp.target, token: wrong, nodeName: 'node-a', version: 'test', log: (l) => lines.push(l) });
    for (let i = 0; i < 5; i++) outbox.enqueue([execEvent({ pid: 100 + i })]);
    client.start();
    await until('the refusal is logged', () => lines.some((l) => /PERMISSION_DENIED|cannot send for node node-a/.test(l)));
    await new Promise((r) => setTimeout(r, 500));
    await client.stop(0);
    assert.equal(outbox.stats.pending, 5, 'every batch is still waiting');
    outbox.close();
    assert.equal(stored('node-a'), 0);

    outbox = new Outbox({ dir, nodeName: 'node-a' });
    client = new SensorClient(outbox, { target: cp.target, token: await tokenFor(cp.dataDir, 'node-a'), nodeName: 'node-a', version: 'test' });
    client.start();
    await until('all five batches are stored', () => stored('node-a') === 5);
    await client.stop();
    outbox.close();
    assert.equal(cp.query<{ n: number }>("SELECT count(*) AS n FROM gaps g JOIN nodes n ON n.id = g.node_id WHERE n.name = 'node-a'")[0].n, 0);
  });
});
