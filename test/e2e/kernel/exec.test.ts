import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cFixture } from '../../helpers/c-fixture';
import { EventRecorder } from '../../helpers/event-recorder';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { run, uniqueToken } from '../../helpers/processes';

describe('exec events from the kernel', kernelTestOptions(), () => {
  let rec: EventRecorder;
  before(() => (rec = new EventRecorder({ types: ['exec', 'fork', 'exit'] })));
  after(() => rec.stop());

  const execWith = (token: string) => (ev: { exec?: { argv: string[] } | null }) => !!ev.exec?.argv.includes(token);

  test('/bin/true with a unique argv: pid, ppid, filename, argv, ids', async () => {
    const token = uniqueToken();
    const child = await run('/bin/true', [token, 'second arg']);
    const ev = await rec.waitFor('exec', execWith(token));
    assert.equal(ev.body, 'exec');
    assert.equal(ev.process?.pid, child.pid);
    assert.equal(ev.process?.tid, child.pid);
    assert.equal(ev.process?.ppid, process.pid);
    assert.equal(ev.process?.uid, 0);
    assert.equal(ev.process?.gid, 0);
    assert.equal(ev.process?.comm, 'true');
    assert.equal(ev.exec?.filename, '/bin/true');
    assert.deepEqual(ev.exec?.argv, ['/bin/true', token, 'second arg']);
    assert.equal(ev.exec?.argc, 3);
    assert.equal(ev.exec?.argv_truncated, false);
    assert.equal(ev.exec?.euid, 0);
    assert.equal(ev.exec?.has_tty, false, 'spawned without a terminal');
    assert.notEqual(ev.exec?.cap_effective, '0', 'root has effective capabilities');
    assert.ok(BigInt(ev.boot_ns) > 0n);
    const skewMs = Math.abs(Number(BigInt(ev.time_unix_nano) / 1_000_000n) - Date.now());
    assert.ok(skewMs < 10_000, `wall clock derived from boot_ns is ${skewMs} ms off`);
    assert.equal(ev.container?.id, '', 'a host process has no container id');
    assert.ok(Number(ev.container?.cgroup_id) > 0);
    assert.ok((ev.namespaces?.mnt ?? 0) > 0 && (ev.namespaces?.pid ?? 0) > 0 && (ev.namespaces?.net ?? 0) > 0);
  });

  test('a non-root user: uid and euid are the caller\'s', async () => {
    const token = uniqueToken();
    const child = await run('/bin/true', [token], { uid: 65534, gid: 65534 });
    const ev = await rec.waitFor('exec', execWith(token));
    assert.equal(ev.process?.pid, child.pid);
    assert.equal(ev.process?.uid, 65534);
    assert.equal(ev.process?.gid, 65534);
    assert.equal(ev.exec?.euid, 65534);
    assert.equal(ev.exec?.cap_effective, '0', 'nobody has no effective capabilities');
  });

  test('a long argv is cut at the bound and flagged, argc stays exact', async () => {
    const token = uniqueToken();
    const filler = Array.from({ length: 200 }, (_, i) => `arg-${i}-${'x'.repeat(40)}`);
    const child = await run('/bin/true', [token, ...filler]);
    const ev = await rec.waitFor('exec', execWith(token));
    assert.equal(ev.process?.pid, child.pid);
    assert.equal(ev.exec?.argc, 202);
    assert.equal(ev.exec?.argv_truncated, true);
    assert.ok((ev.exec?.argv.length ?? 0) < 202);
    assert.deepEqual(ev.exec?.argv.slice(0, 3), ['/bin/true', token, filler[0]]);
  });

  test('exec from a non-leader thread carries the process id', async () => {
    const token = uniqueToken();
    const child = await run(cFixture('exec-from-thread', ['-pthread']), ['/bin/true', token]);
    assert.equal(child.code, 0, child.stderr);
    // The fixture's own exec has the token in its argv too.
    const ev = await rec.waitFor('exec', (e) => execWith(token)(e) && e.exec?.filename === '/bin/true');
    assert.equal(ev.process?.pid, child.pid);
    assert.equal(ev.process?.tid, child.pid, 'after de_thread the exec runs as the leader');
    assert.equal(ev.exec?.filename, '/bin/true');
  });

  test('a failed exec (ENOENT) yields no exec event, only fork and exit', async () => {
    const token = uniqueToken();
    const missing = `/nonexistent/${token}`;
    const child = await run('/bin/sh', ['-c', `${missing} ${token}; exit 3`]);
    assert.equal(child.code, 3);
    await rec.waitFor('exit of the shell', (ev) => ev.body === 'exit' && ev.process?.pid === child.pid);
    await rec.settle();
    assert.equal(rec.events.filter(execWith(token)).length, 0, 'no exec event for a path that does not exist');
  });

  test('every record decoded', () => {
    assert.deepEqual(rec.errors, []);
  });
});
