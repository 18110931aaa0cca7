import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parsePid, parseTypes, traceMatches } from '../../../../sensor/src/cli/trace';
import { formatEventLine } from '../../../../proto/format/event-line';
import type { Event__Output } from '../../../../proto/generated/vigil/v1/Event';
import { execEvent, fileEvent } from '../../../helpers/synthetic-events';

const base: Event__Output = {
  boot_ns: '1',
  time_unix_nano: '1700000000000000000',
  process: { pid: 10, tid: 10, ppid: 1, uid: 0, gid: 0, comm: 'bash', exe: '/bin/bash', argv: ['bash'], ns_pid: 10 },
  container: { cgroup_id: '5', cgroup_name: 'abc', id: 'abcdef', name: '', image: '', pod_name: '', pod_namespace: '', pod_uid: '', metadata_incomplete: false },
  namespaces: { mnt: 1, pid: 2, net: 3 },
  ancestry: [],
};
const connect: Event__Output = {
  ...base,
  body: 'connect',
  connect: { result: -111, fd: 3, destination: { family: 'FAMILY_INET6', address: '::1', port: 22, raw_family: 10 } },
};

describe('vigil trace', () => {
  test('filters by type, pid and container prefix; losses always show', () => {
    const all = { types: ['exec', 'connect'] as const };
    assert.equal(traceMatches(connect, { ...all }), true);
    assert.equal(traceMatches(connect, { types: ['exec'] }), false);
    assert.equal(traceMatches(connect, { ...all, pid: 10 }), true);
    assert.equal(traceMatches(connect, { ...all, pid: 11 }), false);
    assert.equal(traceMatches(connect, { ...all, container: 'abc' }), true);
    assert.equal(traceMatches(connect, { ...all, container: 'abd' }), false);
    const host = { ...connect, container: { ...connect.container!, cgroup_id: '1', cgroup_name: '', id: '' } };
    assert.equal(traceMatches(host, { ...all, container: 'a' }), false);
    const loss: Event__Output = { ...base, body: 'loss', loss: { type: 'EVENT_TYPE_EXEC', ringbuf_full: '3', pending_full: '0', unresolved: '0' } };
    assert.equal(traceMatches(loss, { types: ['mount'], pid: 99 }), true);
  });

  test('bad arguments are refused with the reason', () => {
    assert.deepEqual(parseTypes('exec, mount'), ['exec', 'mount']);
    assert.throws(() => parseTypes('exec,open'), /unknown event type "open"/);
    assert.throws(() => parseTypes(','), /at least one/);
    assert.equal(parsePid('4242'), 4242);
    assert.throws(() => parsePid('-1'), /not a process id/);
    assert.throws(() => parsePid('12abc'), /not a process id/);
  });

  test('one line per event with the details a responder reads', () => {
    const line = formatEventLine(connect);
    assert.match(line, /connect\s+10\s+1\s+0 bash\s+abcdef\s+\[::1\]:22 ECONNREFUSED$/);
  });

  test('a file line says the access, the path, its category, the call, and how it was spelled', () => {
    assert.match(formatEventLine(fileEvent()), /file .* read \/var\/run\/secrets\/kubernetes.io\/serviceaccount\/token \[service-account-token\] openat ok$/);
    const odd = fileEvent({ path: '/root/.bash_history', name: './.bash_history', call: 'CALL_UNLINKAT', access: 'ACCESS_DELETE', category: 'shell-history', result: -2 });
    assert.match(formatEventLine(odd), /delete \/root\/.bash_history \[shell-history\] unlinkat name=.\/.bash_history ENOENT$/);
    assert.equal(traceMatches(fileEvent(), { types: ['file'] }), true);
    assert.equal(traceMatches(fileEvent(), { types: ['exec'] }), false);
  });

  test('an exec line says what the kernel found the file to be, only when it is worth a look', () => {
    assert.match(formatEventLine(execEvent({ filename: '/bin/true' })), /\/bin\/true \[\/bin\/true\]$/);
    assert.match(formatEventLine(execEvent({ filename: '/tmp/x', binary: { layer: 'LAYER_UPPER' } })), /\[\/tmp\/x\] upper-layer$/);
    assert.match(formatEventLine(execEvent({ filename: '/dev/fd/3', binary: { memfd: true, links: 0, name: 'memfd:p' }, viaFd: true })), / memfd\(memfd:p\) via-fd$/);
    assert.match(formatEventLine(execEvent({ filename: '/tmp/a.sh', script: { layer: 'LAYER_UPPER' } })), / script:upper-layer$/);
    assert.match(formatEventLine(execEvent({ filename: '/tmp/a.sh', interpreter: '/bin/sh' })), / script=\?$/);
  });
});
