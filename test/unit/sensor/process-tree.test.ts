import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProcessTree } from '../../../sensor/src/process-tree';

describe('process tree bounds', () => {
  test('past the cap the oldest entries go and are counted; exited ones are reaped after the grace', () => {
    const t = new ProcessTree({ cap: 100, graceMs: 1000, procRoot: '/nonexistent' });
    const fork = (parent: number, child: number) =>
      t.apply({ body: 'fork', fork: { child_pid: child }, process: { pid: parent, tid: parent, ppid: 1, uid: 0, gid: 0, comm: 'x', exe: '', argv: [], ns_pid: 0 }, boot_ns: '1', time_unix_nano: '1', container: null, namespaces: null, ancestry: [] }, 0);
    for (let i = 0; i < 1000; i++) fork(1, 10_000 + i);
    assert.ok(t.size <= 100);
    assert.ok(t.evicted >= 900);
    t.apply({ body: 'exit', exit: { status: 0, code: 0, signal: 0 }, process: { pid: 10_999, tid: 10_999, ppid: 1, uid: 0, gid: 0, comm: 'x', exe: '', argv: [], ns_pid: 0 }, boot_ns: '1', time_unix_nano: '1', container: null, namespaces: null, ancestry: [] }, 5000);
    const before = t.size;
    t.reap(5500);
    assert.equal(t.size, before, 'still within the grace period');
    t.reap(6001);
    assert.equal(t.size, before - 1);
  });
});
