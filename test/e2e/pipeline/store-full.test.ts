import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStoreReadOnly } from '../../../controlplane/src/store/db';
import { EventsRepo } from '../../../controlplane/src/store/events-repo';
import { StoreWriter } from '../../../controlplane/src/store/writer';
import { rootTestOptions } from '../../helpers/kernel-gate';
import { batchRowsOf, eventFilter, execEvent } from '../../helpers/synthetic-events';
import { tempDir } from '../../helpers/temp-dir';


describe('a store write that fails (disk full)', rootTestOptions(), () => {
  const mountPoint = tempDir('vigil-full-');
  const dataDir = path.join(mountPoint, 'data');
  const filler = path.join(mountPoint, 'filler');
  let writer: StoreWriter;
  before(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mountPoint]);
    writer = await StoreWriter.start({ dataDir });
  });
  after(async () => {
    await writer.close();
    execFileSync('umount', [mountPoint]);
  });

  test('holds back the batches queued behind it, so the resending sensor skips nothing', async () => {
    await writer.writeBatch('n', 1n, batchRowsOf([execEvent({ pid: 1 })]), null, []);
    // Leave room for a small batch, not for a big one.
    const free = Number(fs.statfsSync(mountPoint).bavail) * fs.statfsSync(mountPoint).bsize;
    fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free - 96 * 1024)));
    const pad = 'x'.repeat(2000);
    // Rows move to the writer thread when sent: a resend builds them again, as the resending sensor's batch is decoded again.
    // Its events name a container and an ancestry the store has not seen: the failed write made rows for them, then took them back.
    const ancestry = [{ pid: 999, exe: '/bin/bash', argv: ['bash', '-c', pad], comm: 'bash' }];
    const big = () => batchRowsOf(Array.from({ length: 1000 }, (_, i) => execEvent({ pid: 1000 + i, ppid: 999, argv: ['/bin/true', pad], containerId: 'c-new', ancestry })));
    const small = () => batchRowsOf([execEvent({ pid: 3 })]);
    const [second, third] = await Promise.allSettled([writer.writeBatch('n', 2n, big(), null, []), writer.writeBatch('n', 3n, small(), null, [])]);
    assert.equal(second.status, 'rejected', 'the big batch does not fit');
    assert.match(String((second as PromiseRejectedResult).reason), /store write failed/);
    assert.equal(third.status, 'rejected', 'the batch behind it must not commit first');
    assert.match(String((third as PromiseRejectedResult).reason), /waits for batch 2, whose write failed; resend from 2/);

    fs.rmSync(filler);
    await writer.writeBatch('n', 2n, big(), null, []);
    await writer.writeBatch('n', 3n, small(), null, []);
    const db = openStoreReadOnly(dataDir);
    try {
      assert.deepEqual(db.prepare('SELECT seq FROM batches ORDER BY seq').pluck().all(), [1, 2, 3]);
      assert.equal(db.prepare('SELECT count(*) FROM events').pluck().get(), 1002);
      const stored = new EventsRepo(db).list(eventFilter({ container_id: 'c-new' }), 1000, '').events;
      assert.equal(stored.length, 1000, 'the resent batch with its new container');
      assert.ok(stored.every((e) => e.event?.ancestry[0]?.argv[2] === pad), 'and its new ancestry');
    } finally {
      db.close();
    }
  });
});
