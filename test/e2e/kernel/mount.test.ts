import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cFixture } from '../../helpers/c-fixture';
import { EventRecorder } from '../../helpers/event-recorder';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { run, uniqueToken } from '../../helpers/processes';
import { tempDir } from '../../helpers/temp-dir';

const ENOENT = 2;

describe('mount events from the kernel', kernelTestOptions(), () => {
  let rec: EventRecorder;
  let dir: string;
  before(() => {
    rec = new EventRecorder({ types: ['mount'] });
    dir = tempDir('vigil-mount-');
  });
  after(async () => {
    await rec.stop();
  });

  test('tmpfs on a temp dir: source, target, fstype, result', async () => {
    const source = uniqueToken();
    const child = await run('/bin/mount', ['-t', 'tmpfs', '-o', 'size=1m', source, dir]);
    assert.equal(child.code, 0, child.stderr);
    await run('/bin/umount', [dir]);
    const ev = await rec.waitFor('mount', (e) => e.body === 'mount' && e.mount?.source === source);
    assert.equal(ev.process?.pid, child.pid);
    assert.equal(ev.mount?.call, 'CALL_MOUNT');
    assert.equal(ev.mount?.target, dir);
    assert.equal(ev.mount?.fstype, 'tmpfs');
    assert.equal(ev.mount?.result, 0);
  });

  test('a failing mount carries -errno', async () => {
    const source = uniqueToken();
    const missing = path.join(dir, 'does-not-exist');
    const child = await run('/bin/mount', ['-t', 'tmpfs', source, missing]);
    assert.notEqual(child.code, 0);
    const ev = await rec.waitFor('mount', (e) => e.body === 'mount' && e.mount?.source === source);
    assert.equal(ev.mount?.target, missing);
    assert.equal(ev.mount?.result, -ENOENT);
  });

  test('the new mount API: fsmount result fd, move_mount target', async () => {
    const target = fs.mkdtempSync(path.join(dir, 'newapi-'));
    const child = await run(cFixture('new-mount-api'), [target]);
    assert.equal(child.code, 0, child.stderr);
    const fd = Number(child.stdout.trim());
    const fsmount = await rec.waitFor('fsmount', (e) => e.process?.pid === child.pid && e.mount?.call === 'CALL_FSMOUNT');
    assert.equal(fsmount.mount?.result, fd, 'fsmount returns the mount fd');
    const move = await rec.waitFor('move_mount', (e) => e.process?.pid === child.pid && e.mount?.call === 'CALL_MOVE_MOUNT');
    assert.equal(move.mount?.target, target);
    assert.equal(move.mount?.fd, fd, 'move_mount moves the fsmount fd');
    assert.equal(move.mount?.result, 0);
  });

  test('every record decoded', () => assert.deepEqual(rec.errors, []));
});
