import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { shellInContainer } from '../../../../../controlplane/src/detections/rules/shell-in-container';
import { CONTAINER_ID, execEvent } from '../../../../helpers/synthetic-events';
import { chain, proc, ruleContext } from '../../../../helpers/rule-context';

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
