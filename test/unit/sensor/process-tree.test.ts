import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import { fieldLimitProblem } from '../../../proto/field-limits';
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

  test("a process older than the sensor with a 25 kB command line (a CI runner's bash -c) is read as the exec hook would: its descendants' events stay within the contract", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-proc-'));
    try {
      fs.mkdirSync(path.join(root, '500'));
      fs.writeFileSync(path.join(root, '500', 'stat'), '500 (bash) S 1 500 500 0');
      fs.writeFileSync(path.join(root, '500', 'cmdline'), ['/bin/bash', '-c', 'x'.repeat(25_646), ''].join('\0'));
      const t = new ProcessTree({ procRoot: root });
      const ev = { body: 'exec', exec: { filename: '/bin/true', argv: ['/bin/true'], parent_comm: 'bash', flags: 0 }, process: { pid: 501, tid: 501, ppid: 500, uid: 0, gid: 0, comm: 'true', exe: '', argv: [], ns_pid: 0 }, boot_ns: '1', time_unix_nano: '1', container: null, namespaces: null, ancestry: [] } as unknown as Event__Output;
      t.apply(ev, 0);
      assert.equal(ev.ancestry[0].argv[0], '/bin/bash');
      assert.equal(ev.ancestry[0].argv.join('\0').length, 4096, 'as many bytes as the exec hook copies');
      assert.equal(fieldLimitProblem('vigil.v1.Event', ev), undefined);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
