import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventCodec } from '../../../../proto/loader';
import { openStoreReadOnly } from '../../../../controlplane/src/store/db';
import { EventsRepo, toBatchRows } from '../../../../controlplane/src/store/events-repo';
import type { Raised } from '../../../../controlplane/src/detections/engine';
import type { Alert__Output } from '../../../../proto/generated/vigil/v1/Alert';
import { StoreWriter } from '../../../../controlplane/src/store/writer';
import { eventFilter, execEvent } from '../../../helpers/synthetic-events';
import { tempDir } from '../../../helpers/temp-dir';

describe('store writer: a batch hand-off, and a write that fails', () => {
  test("moves the rows' memory to the writer thread instead of copying it, and the events stored are the bytes the sensor sent", async () => {
    const dataDir = tempDir();
    const writer = await StoreWriter.start({ dataDir });
    try {
      // Small events: Buffer.concat would have put them in the shared pool, which cannot move.
      const events = [
        execEvent({ pid: 10 }),
        execEvent({ pid: 11, argv: ['sh', '-c', 'id'], containerId: 'c1' }),
        execEvent({ pid: 12, containerId: 'c1' }),
        execEvent({ pid: 13, containerId: 'c2' }),
        execEvent({ pid: 14, containerId: 'c1' }),
      ];
      const encoded = events.map((e) => Buffer.from(eventCodec().encode(e)));
      const rows = toBatchRows(events, encoded);
      const memory = rows.bodies.buffer;
      assert.ok(memory.byteLength < 4096 && rows.tsUs.buffer === memory && rows.ints.buffer === memory, 'times, numbers and bodies share one buffer of their own');
      assert.deepEqual(rows.containers.map((c) => c.id), ['c1', 'c2'], 'each container once per batch');
      await writer.writeBatch('n', 1n, rows, null, []);
      assert.equal(memory.byteLength, 0, 'the memory moved (detached here)');
      assert.equal(rows.tsUs.length + rows.ints.length + rows.bodies.length, 0, 'times, numbers and bodies moved');
      assert.equal(encoded[0].length > 0 && encoded[1].length > 0, true, "the received events' own buffers are untouched");
      assert.throws(() => writer.writeBatch('n', 2n, rows, null, []), /batch 2 of n: its rows were sent to the writer thread already/, 'emptied rows are refused, not committed as an empty batch');
      const db = openStoreReadOnly(dataDir);
      try {
        const stored = db.prepare('SELECT pid, body, (SELECT container_id FROM containers WHERE id = container_ref) AS container FROM events ORDER BY id').all() as { pid: number; body: Buffer; container: string | null }[];
        assert.deepEqual(stored.map((r) => r.pid), [10, 11, 12, 13, 14]);
        assert.deepEqual(stored.map((r) => r.container), [null, 'c1', 'c1', 'c2', 'c1']);
        assert.deepEqual(stored.map((r) => r.body), encoded);
        assert.deepEqual(db.prepare('SELECT seq FROM batches').pluck().all(), [1]);
      } finally {
        db.close();
      }
    } finally {
      await writer.close();
    }
  });

  test('events received as parts of one batch message, framing between them, are stored as their own bytes; so are parts out of order', async () => {
    const dataDir = tempDir();
    const writer = await StoreWriter.start({ dataDir });
    try {
      const ancestry = [{ pid: 7, exe: '/bin/bash', argv: ['bash', '-c', 'loop'], comm: 'bash' }];
      const events = [execEvent({ pid: 30, ancestry }), execEvent({ pid: 31, containerId: 'c1', ancestry }), execEvent({ pid: 32, argv: ['x'.repeat(300)] })];
      const bodies = events.map((e) => Buffer.from(eventCodec().encode(e)));
      // As a batch arrives: each event behind a tag and a length, in one buffer.
      const framed = Buffer.concat([Buffer.from([0x0a, 0x01, 0x41]), ...bodies.flatMap((b) => [Buffer.from([0x1a, 0xff, 0x7f]), b])]);
      const parts: Buffer[] = [];
      let at = 3;
      for (const b of bodies) {
        at += 3;
        parts.push(framed.subarray(at, at + b.length));
        at += b.length;
      }
      await writer.writeBatch('n', 1n, toBatchRows(events, parts), null, []);
      await writer.writeBatch('n', 2n, toBatchRows([events[2], events[0]], [parts[2], parts[0]]), null, []);
      const db = openStoreReadOnly(dataDir);
      try {
        const stored = new EventsRepo(db).list(eventFilter({}), 10, '').events.map((e) => e.event!.process!.pid).sort();
        assert.deepEqual(stored, [30, 30, 31, 32, 32]);
        const raw = db.prepare('SELECT body FROM events ORDER BY id').pluck().all() as Buffer[];
        assert.deepEqual(raw.map((b) => eventCodec().decode(b).process!.pid), [30, 31, 32, 32, 30]);
      } finally {
        db.close();
      }
    } finally {
      await writer.close();
    }
  });

  test('a batch whose write failed leaves no id behind: resent, it is stored with its new node, container and ancestry', async () => {
    const dataDir = tempDir();
    const writer = await StoreWriter.start({ dataDir });
    try {
      const ancestry = [{ pid: 7, exe: '/bin/bash', argv: ['bash', '-c', 'loop'], comm: 'bash' }];
      const events = [execEvent({ pid: 20, ppid: 7, containerId: 'fresh-container', ancestry })];
      const rows = () => toBatchRows(events, events.map((e) => eventCodec().encode(e)));
      // An alert the store refuses: the whole batch rolls back.
      const refused = [{ alert: {} as Alert__Output, mergeKey: 'k' }] as unknown as Raised[];
      await assert.rejects(writer.writeBatch('fresh-node', 1n, rows(), null, refused));
      await writer.writeBatch('fresh-node', 1n, rows(), null, []);
      await writer.writeBatch('fresh-node', 2n, rows(), null, []);
      const db = openStoreReadOnly(dataDir);
      try {
        const stored = new EventsRepo(db).list(eventFilter({}), 10, '').events;
        assert.deepEqual(stored.map((e) => [e.node_name, e.batch_seq, e.event?.container?.id, e.event?.ancestry.map((a) => a.argv.join(' '))]), [
          ['fresh-node', '2', 'fresh-container', ['bash -c loop']],
          ['fresh-node', '1', 'fresh-container', ['bash -c loop']],
        ]);
      } finally {
        db.close();
      }
    } finally {
      await writer.close();
    }
  });
});

