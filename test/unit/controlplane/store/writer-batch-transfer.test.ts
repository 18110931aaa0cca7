import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventCodec } from '../../../../proto/loader';
import { openStoreReadOnly } from '../../../../controlplane/src/store/db';
import { toBatchRows } from '../../../../controlplane/src/store/events-repo';
import { StoreWriter } from '../../../../controlplane/src/store/writer';
import { execEvent } from '../../../helpers/synthetic-events';
import { tempDir } from '../../../helpers/temp-dir';

describe('store writer: a batch hand-off', () => {
  test("moves the rows' memory to the writer thread instead of copying it, and the events stored are the bytes the sensor sent", async () => {
    const dataDir = tempDir();
    const writer = await StoreWriter.start({ dataDir });
    try {
      // Small events: Buffer.concat would have put them in the shared pool, which cannot move.
      const events = [execEvent({ pid: 10 }), execEvent({ pid: 11, argv: ['sh', '-c', 'id'] })];
      const encoded = events.map((e) => Buffer.from(eventCodec().encode(e)));
      const rows = toBatchRows(events, encoded);
      assert.ok(rows.bodies.length < 4096 && rows.bodies.byteOffset === 0 && rows.bodies.buffer.byteLength === rows.bodies.length, 'the bodies own their memory');
      await writer.writeBatch('n', 1n, rows, null, []);
      assert.equal(rows.bodies.buffer.byteLength, 0, 'the bodies moved (detached here)');
      assert.equal(rows.tsUs.length, 0, 'the times moved');
      assert.equal(encoded[0].length > 0 && encoded[1].length > 0, true, "the received events' own buffers are untouched");
      assert.throws(() => writer.writeBatch('n', 2n, rows, null, []), /batch 2 of n: its rows were sent to the writer thread already/, 'emptied rows are refused, not committed as an empty batch');
      const db = openStoreReadOnly(dataDir);
      try {
        const stored = db.prepare('SELECT pid, body FROM events ORDER BY id').all() as { pid: number; body: Buffer }[];
        assert.deepEqual(stored.map((r) => r.pid), [10, 11]);
        assert.deepEqual(stored.map((r) => r.body), encoded);
        assert.deepEqual(db.prepare('SELECT seq FROM batches').pluck().all(), [1]);
      } finally {
        db.close();
      }
    } finally {
      await writer.close();
    }
  });
});
