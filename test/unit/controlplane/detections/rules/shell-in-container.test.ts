import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { shellInContainer } from '../../../../../controlplane/src/detections/rules/shell-in-container';
import { CONTAINER_ID, execEvent } from '../../../../helpers/synthetic-events';
import { chain, contextAfter, proc, ruleContext } from '../../../../helpers/rule-context';

const INIT = 5000;
const facts = { initPid: INIT };

describe('rule shell-in-container', () => {
  test('should trigger: a shell the runtime runs into a running container (kubectl exec, crictl exec)', () => {
    // The exec'd process is reparented to the shim at once: its chain is the runtime's, its pid is not 1.
    const ev = execEvent({ pid: 9064, nsPid: 8, filename: '/bin/sh', argv: ['/bin/sh', '-c', 'id'], containerId: CONTAINER_ID, parentComm: 'containerd-shim', ancestry: chain() });
    const f = shellInContainer.match(ev, ruleContext({ facts }));
    assert.ok(f);
    assert.equal(f.fields?.origin, 'runtime-exec');
    // Also when the control plane never saw the container start (no facts).
    assert.ok(shellInContainer.match(ev, ruleContext()));
  });

  test('should trigger: parent runc itself, crun, or conmon (other runtimes, older runc)', () => {
    for (const parent of [proc(77, '/usr/sbin/runc', ['runc', 'exec'], 'runc'), proc(77, '/usr/bin/crun', ['crun', 'exec'], 'crun'), proc(77, '/usr/bin/conmon', ['conmon'], 'conmon')]) {
      const ev = execEvent({ pid: 9100, nsPid: 12, filename: '/bin/bash', argv: ['bash'], containerId: CONTAINER_ID, ancestry: [parent, ...chain()] });
      assert.ok(shellInContainer.match(ev, ruleContext({ facts })), parent.comm);
    }
  });

  test('should trigger: an application spawning a shell (java, python, a Go binary)', () => {
    for (const app of [proc(INIT, '/usr/bin/java', ['java', '-jar', 'app.jar']), proc(6001, '/app/server', ['/app/server'])]) {
      const ev = execEvent({ pid: 6100, nsPid: 30, filename: '/bin/sh', argv: ['sh', '-c', 'whoami'], containerId: CONTAINER_ID, ancestry: chain(...(app.pid === INIT ? [app] : [app, proc(INIT, '/sbin/tini', ['tini', '--'])])) });
      const f = shellInContainer.match(ev, ruleContext({ facts }));
      assert.equal(f?.fields?.origin, 'spawned', app.exe);
    }
  });

  test('should trigger: a shell inside a runtime exec session (bash, then sh from it)', () => {
    const session = proc(9200, '/bin/bash', ['bash']);
    const ev = execEvent({ pid: 9201, nsPid: 14, filename: '/bin/sh', argv: ['sh'], containerId: CONTAINER_ID, ancestry: chain(session) });
    assert.equal(shellInContainer.match(ev, ruleContext({ facts }))?.fields?.origin, 'runtime-exec');
  });

  test('should trigger: busybox applets and paths written another way', () => {
    for (const [filename, argv] of [['/bin/busybox', ['ash']], ['/proc/self/exe', ['sh', '-c', 'x']], ['//bin/../bin/sh', ['sh']], ['/bin/busybox', ['busybox', 'sh']]] as const) {
      const ev = execEvent({ pid: 9300, nsPid: 9, filename, argv: [...argv], containerId: CONTAINER_ID, ancestry: chain() });
      assert.ok(shellInContainer.match(ev, ruleContext({ facts })), `${filename} ${argv}`);
    }
  });

  test('should not trigger: the entrypoint itself, and the shells its script starts', () => {
    const entry = execEvent({ pid: INIT, nsPid: 1, filename: '/bin/sh', argv: ['/bin/sh', '/entrypoint.sh'], containerId: CONTAINER_ID, ancestry: chain() });
    assert.equal(shellInContainer.match(entry, ruleContext({ facts })), null);
    // An init script's child shell, no tty: the image's design.
    const child = execEvent({ pid: 5010, nsPid: 7, filename: '/bin/sh', argv: ['/bin/sh', '-c', 'sleep 30'], containerId: CONTAINER_ID, ancestry: chain(proc(INIT, '/bin/sh', ['/bin/sh', '/entrypoint.sh'])) });
    assert.equal(shellInContainer.match(child, ruleContext({ facts })), null);
    // Behind an init wrapper (tini → sh script → sh).
    const wrapped = execEvent({ pid: 5020, nsPid: 9, filename: '/bin/bash', argv: ['bash', '-c', 'exec app'], containerId: CONTAINER_ID, ancestry: chain(proc(5015, '/bin/sh', ['sh', '/start.sh']), proc(INIT, '/sbin/tini', ['tini', '--', '/start.sh'])) });
    assert.equal(shellInContainer.match(wrapped, ruleContext({ facts })), null);
  });

  test('should not trigger: on the host, or for non-shells', () => {
    assert.equal(shellInContainer.match(execEvent({ filename: '/bin/sh', argv: ['sh'] }), ruleContext()), null);
    for (const [filename, argv] of [['/bin/cat', ['cat']], ['/bin/busybox', ['wget']], ['/usr/bin/shellcheck', ['shellcheck']]] as const) {
      const ev = execEvent({ pid: 9300, nsPid: 9, filename, argv: [...argv], containerId: CONTAINER_ID, ancestry: chain() });
      assert.equal(shellInContainer.match(ev, ruleContext({ facts })), null, filename);
    }
  });

  test('names its technique and says how to triage', () => {
    assert.equal(shellInContainer.mitre.id, 'T1059.004');
    assert.match(shellInContainer.description, /Triage/);
    assert.match(shellInContainer.description, /probe/);
  });
});

describe('rule shell-in-container: review findings 7 and 13', () => {
  const entry = proc(INIT, '/bin/sh', ['/bin/sh', '/entrypoint.sh'], 'sh');
  const shell = (pid: number, nsPid: number, filename: string, argv: string[], ...parents: ReturnType<typeof proc>[]) => execEvent({ pid, nsPid, filename, argv, containerId: CONTAINER_ID, ancestry: chain(...parents) });

  test('should trigger (review 7): pid 1 of an unshared pid namespace is not the entrypoint, the dynamic loader, a program from /tmp run by the runtime', () => {
    const unshared = shell(9400, 1, '/bin/sh', ['sh'], proc(9399, '/usr/bin/unshare', ['unshare', '-Urpf', 'sh'], 'unshare'), proc(9398, '/bin/sh', ['sh'], 'sh'));
    assert.ok(shellInContainer.match(unshared, ruleContext({ facts })));
    const loader = shell(9401, 20, '/lib64/ld-linux-x86-64.so.2', ['/lib64/ld-linux-x86-64.so.2', '/bin/sh']);
    assert.ok(shellInContainer.match(loader, ruleContext({ facts })));
    const dropped = shell(9402, 21, '/tmp/x', ['x']);
    assert.match(shellInContainer.match(dropped, ruleContext({ facts }))!.summary, /program from a writable directory/);
    // Without the runtime's word, the first pid 1 the control plane saw exec is the init; a later one is not.
    const entrypoint = shell(5000, 1, '/bin/sh', ['/bin/sh', '/entrypoint.sh']);
    assert.ok(shellInContainer.match(unshared, contextAfter([entrypoint], unshared)));
  });

  test('limit: a copy of a shell outside the writable directories, run under another name with no tell-tale, is not a shell', () => {
    assert.equal(shellInContainer.match(shell(9403, 22, '/usr/local/bin/x', ['x']), ruleContext({ facts })), null);
  });

  test('should not trigger (review 13): entrypoint scripts through su -c, runuser, sudo, make, xargs, npm start', () => {
    const cases = [
      shell(5100, 30, '/bin/sh', ['sh', '-c', '/opt/app/bin/migrate'], proc(5099, '/bin/su', ['su', 'app', '-c', '/opt/app/bin/migrate'], 'su'), entry),
      shell(5101, 31, '/bin/sh', ['sh', '-c', 'x'], proc(5098, '/sbin/runuser', ['runuser', '-u', 'app', '--', 'sh', '-c', 'x'], 'runuser'), entry),
      shell(5102, 32, '/bin/sh', ['/bin/sh', '-c', 'alembic upgrade head'], proc(5097, '/usr/bin/make', ['make', 'migrate'], 'make'), entry),
      shell(5103, 33, '/bin/sh', ['sh', '-c', 'node server.js'], proc(INIT, '/usr/local/bin/node', ['npm', 'start'], 'npm start')),
      shell(5104, 34, '/bin/sh', ['sh', '-c', 'echo x'], proc(5096, '/usr/bin/sudo', ['sudo', '-u', 'app', 'sh', '-c', 'echo x'], 'sudo'), entry),
      shell(5105, 35, '/bin/sh', ['sh', '-c', 'gzip {}'], proc(5095, '/usr/bin/xargs', ['xargs', '-I{}', 'sh', '-c', 'gzip {}'], 'xargs'), entry),
    ];
    for (const ev of cases) assert.equal(shellInContainer.match(ev, ruleContext({ facts })), null, ev.ancestry![0].argv.join(' '));
    // The application itself spawning a shell is still raised: Postgres' archive_command, once per command shape (see the engine's merge keys).
    const archiver = shell(5106, 36, '/bin/sh', ['sh', '-c', 'wal-g wal-push pg_wal/000000010000000000000003'], proc(5090, '/usr/lib/postgresql/16/bin/postgres', ['postgres: archiver'], 'postgres'), proc(INIT, '/usr/lib/postgresql/16/bin/postgres', ['postgres'], 'postgres'));
    assert.equal(shellInContainer.match(archiver, ruleContext({ facts }))?.fields?.origin, 'spawned');
  });
});
