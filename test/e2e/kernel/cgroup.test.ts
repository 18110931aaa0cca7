import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
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

  test('on a cgroup v1 hierarchy only (pure v1 hosts), the memory controller\'s cgroup names the container', async (t) => {
    const v1 = '/sys/fs/cgroup/memory';
    if (!fs.existsSync(path.join(v1, 'cgroup.procs'))) {
      assert.notEqual(process.env.CI, 'true', 'CI machines have the v1 memory hierarchy this test needs');
      return t.skip('no cgroup v1 memory hierarchy on this host');
    }
    const v1Id = randomBytes(32).toString('hex');
    const dir = path.join(v1, `vigil-test-v1-${process.pid}`, v1Id);
    fs.mkdirSync(dir, { recursive: true });
    try {
      const token = uniqueToken();
      // Only the v1 hierarchy changes: the default (v2) hierarchy stays at its root.
      const child = await run('/bin/sh', ['-c', `echo $$ > ${dir}/cgroup.procs && exec /bin/true ${token}`]);
      assert.equal(child.code, 0, child.stderr);
      const ev = await rec.waitFor('exec', (e) => !!e.exec?.argv.includes(token));
      assert.equal(ev.container?.cgroup_name, v1Id);
      assert.equal(ev.container?.id, v1Id);
    } finally {
      for (const d of [dir, path.dirname(dir)]) for (let i = 0; i < 50; i++) try { fs.rmdirSync(d); break; } catch { await new Promise((r) => setTimeout(r, 20)); }
    }
  });

  test('a process outside it does not', async () => {
    const token = uniqueToken();
    await run('/bin/true', [token]);
    const ev = await rec.waitFor('exec', (e) => !!e.exec?.argv.includes(token));
    assert.notEqual(ev.container?.cgroup_id, cgroup.id());
    assert.equal(ev.container?.id, '');
  });
});
