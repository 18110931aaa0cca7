import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { TestCgroup } from '../../helpers/cgroup2';
import { EventRecorder } from '../../helpers/event-recorder';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { run, uniqueToken } from '../../helpers/processes';

describe('cgroup identity of events', kernelTestOptions(), () => {
  let rec: EventRecorder;
  let cgroup: TestCgroup;
  const containerId = randomBytes(32).toString('hex');
  before(() => {
    rec = new EventRecorder({ types: ['exec', 'connect'] });
    cgroup = new TestCgroup(`vigil-test-${process.pid}`, containerId);
  });
  after(async () => {
    await rec.stop();
    cgroup.remove();
  });

  test('a process in a container-named cgroup2 carries its inode and leaf name', async () => {
    const token = uniqueToken();
    const child = await run('/bin/sh', ['-c', `echo $$ > ${cgroup.dir}/cgroup.procs && exec /bin/true ${token}`]);
    assert.equal(child.code, 0, child.stderr);
    const ev = await rec.waitFor('exec', (e) => !!e.exec?.argv.includes(token));
    assert.equal(ev.container?.cgroup_id, cgroup.id());
    assert.equal(ev.container?.cgroup_name, containerId);
    assert.equal(ev.container?.id, containerId);
  });

  test('a process outside it does not', async () => {
    const token = uniqueToken();
    await run('/bin/true', [token]);
    const ev = await rec.waitFor('exec', (e) => !!e.exec?.argv.includes(token));
    assert.notEqual(ev.container?.cgroup_id, cgroup.id());
    assert.equal(ev.container?.id, '');
  });
});
