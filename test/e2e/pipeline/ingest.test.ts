import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';
import { TestSensorStream } from '../../helpers/grpc-clients';
import { execEvent } from '../../helpers/synthetic-events';

describe('sensor ingest over gRPC', { timeout: 60_000 }, () => {
  let cp: TestControlPlane;
  before(async () => (cp = await startTestControlPlane()));
  after(() => cp.stop());

  test('an ack arrives only once the batch is committed to SQLite', async () => {
    const s = new TestSensorStream(cp.target, cp.token);
    try {
      assert.equal(await s.hello('node-a'), 0n, 'a new node has committed nothing');
      const ack = await s.send('node-a', 10n, [execEvent({ pid: 501, argv: ['/bin/true', 'ack-check'] })]);
      assert.deepEqual(ack, { seq: '10', duplicate: false });
      // Read through another connection the moment the ack is in hand.
      const rows = cp.query<{ pid: number; batch_seq: number }>("SELECT pid, batch_seq FROM events WHERE instr(body, CAST('ack-check' AS BLOB)) > 0");
      assert.deepEqual(rows, [{ pid: 501, batch_seq: 10 }]);
    } finally {
      s.close();
    }
  });

  test('a batch received twice is stored once; a reconnecting sensor learns where to resume', async () => {
    const first = new TestSensorStream(cp.target, cp.token);
    await first.hello('node-b');
    await first.send('node-b', 1n, [execEvent({ pid: 601 })]);
    await first.send('node-b', 2n, [execEvent({ pid: 602 }), execEvent({ pid: 603 })]);
    first.close();

    const again = new TestSensorStream(cp.target, cp.token);
    try {
      assert.equal(await again.hello('node-b'), 2n);
      assert.deepEqual(await again.send('node-b', 2n, [execEvent({ pid: 602 }), execEvent({ pid: 603 })]), { seq: '2', duplicate: true });
      assert.deepEqual(await again.send('node-b', 3n, [execEvent({ pid: 604 })]), { seq: '3', duplicate: false });
    } finally {
      again.close();
    }
    const pids = cp.query<{ pid: number }>("SELECT pid FROM events e JOIN nodes n ON n.id = e.node_id WHERE n.name = 'node-b' ORDER BY pid").map((r) => r.pid);
    assert.deepEqual(pids, [601, 602, 603, 604]);
    const seqs = cp.query<{ seq: number }>("SELECT seq FROM batches b JOIN nodes n ON n.id = b.node_id WHERE n.name = 'node-b' ORDER BY seq").map((r) => r.seq);
    assert.deepEqual(seqs, [1, 2, 3]);
  });

  test('nodes have independent sequences', async () => {
    const s = new TestSensorStream(cp.target, cp.token);
    try {
      await s.hello('node-c');
      assert.equal((await s.send('node-c', 1n, [execEvent({ pid: 701 })])).duplicate, false, 'seq 1 is new for node-c even though node-b used it');
    } finally {
      s.close();
    }
  });

  test('a sensor that half-closes right after sending still gets every ack, in order', async () => {
    const s = new TestSensorStream(cp.target, cp.token);
    try {
      await s.hello('node-d');
      const acks: string[] = [];
      s.call.on('data', (m) => m.ack && acks.push(m.ack.seq));
      const ended = new Promise((r) => s.call.on('end', r));
      for (const seq of [1, 2, 3, 4, 5]) s.call.write({ batch: { node_name: 'node-d', seq: String(seq), events: Array.from({ length: 200 }, (_, i) => execEvent({ pid: seq * 1000 + i })) } });
      s.call.end();
      await ended;
      assert.deepEqual(acks, ['1', '2', '3', '4', '5']);
    } finally {
      s.close();
    }
  });
});
