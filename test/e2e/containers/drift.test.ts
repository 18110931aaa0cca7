import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import { TestContainerd, containerdTestOptions } from '../../helpers/containerd';
import { EventRecorder } from '../../helpers/event-recorder';

describe('binary drift in a real container (overlayfs snapshotter)', containerdTestOptions(), () => {
  let ctd: TestContainerd;
  let rec: EventRecorder;
  let containerId: string;

  before(async () => {
    ctd = await TestContainerd.start({ snapshotter: 'overlayfs' });
    rec = new EventRecorder({ types: ['exec'] });
    ({ containerId } = await ctd.runPod({ name: 'drift', namespace: 'shop', command: ['/bin/sh', '-c', 'sleep 120'] }));
  });
  after(async () => {
    await rec.stop();
    await ctd.stop();
  });

  /** Runs `script` with the container's shell; resolves with the exec of `filename` it caused. */
  async function execIn(script: string, filename: string): Promise<Event__Output> {
    await ctd.exec(containerId, ['/bin/sh', '-c', script]);
    return rec.waitFor(`exec of ${filename} in the container`, (e) => e.body === 'exec' && e.container?.id === containerId && e.exec?.filename === filename);
  }

  test('the image\'s own binary is LAYER_LOWER; a cp\'d copy of it is LAYER_UPPER', async () => {
    const image = await execIn('/bin/busybox true', '/bin/busybox');
    assert.equal(image.exec?.binary?.layer, 'LAYER_LOWER');
    const dropped = await execIn('cp /bin/busybox /tmp/dropped && /tmp/dropped true; :', '/tmp/dropped');
    assert.equal(dropped.exec?.binary?.layer, 'LAYER_UPPER');
    assert.equal(dropped.exec?.binary?.size, image.exec?.binary?.size, 'the same bytes');
    assert.notEqual(dropped.exec?.binary?.inode, image.exec?.binary?.inode);
  });

  test('a script made executable and run: its own file is LAYER_UPPER; the image\'s script is LAYER_LOWER', async () => {
    const written = await execIn("printf '#!/bin/sh\\nexit 0\\n' > /tmp/run.sh && chmod +x /tmp/run.sh && /tmp/run.sh", '/tmp/run.sh');
    assert.equal(written.exec?.interpreter, '/bin/sh');
    assert.equal(written.exec?.script?.layer, 'LAYER_UPPER');
    assert.equal(written.exec?.script?.name, 'run.sh');
    assert.equal(written.exec?.binary?.layer, 'LAYER_LOWER', 'the interpreter is the image\'s busybox');
    const shipped = await execIn('/bin/image-script', '/bin/image-script');
    assert.equal(shipped.exec?.script?.layer, 'LAYER_LOWER');
  });

  test('a renamed copy of the shell, run through an innocent name, is LAYER_UPPER under its real name', async () => {
    // busybox picks its applet from argv[0], so the copy is reached through a link named like one.
    const copy = await execIn('cp /bin/sh /tmp/kworker && ln -s /tmp/kworker /tmp/ash && /tmp/ash -c "exit 0"', '/tmp/ash');
    assert.equal(copy.exec?.binary?.layer, 'LAYER_UPPER');
    assert.equal(copy.exec?.binary?.name, 'kworker', 'the file the kernel loaded, whatever the name used');
    const shell = await execIn('/bin/ash -c "exit 0"', '/bin/ash');
    assert.equal(shell.exec?.binary?.layer, 'LAYER_LOWER');
  });

  test('every record decoded', () => {
    assert.deepEqual(rec.errors, []);
  });
});
