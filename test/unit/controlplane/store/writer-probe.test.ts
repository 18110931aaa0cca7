import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openStoreReadOnly } from '../../../../controlplane/src/store/db';
import { StoreWriter } from '../../../../controlplane/src/store/writer';
import { tempDir } from '../../../helpers/temp-dir';

describe('store writer health', () => {
  test('probe() commits the probe row through the writer thread; once the writer is gone it fails and problem says why', async () => {
    const dataDir = tempDir();
    const writer = await StoreWriter.start({ dataDir });
    const ops: string[] = [];
    writer.onWritten = (op, seconds) => {
      assert.ok(seconds >= 0);
      ops.push(op);
    };
    assert.equal(writer.problem, undefined);
    const before = Date.now() * 1000;
    await writer.probe();
    const db = openStoreReadOnly(dataDir);
    const row = db.prepare('SELECT id, written_at_us FROM health_probe').all() as { id: number; written_at_us: number }[];
    db.close();
    assert.equal(row.length, 1);
    assert.ok(row[0].written_at_us >= before, 'this probe wrote it');
    assert.deepEqual(ops, ['probe'], 'the write was timed');
    await writer.close();
    assert.match(writer.problem ?? '', /the store is closed/);
    await assert.rejects(writer.probe(), /the store is closed/);
  });
});
