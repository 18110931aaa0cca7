import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { terminalShellInContainer } from '../../../../../controlplane/src/detections/rules/terminal-shell-in-container';
import { CONTAINER_ID, execEvent } from '../../../../helpers/synthetic-events';
import { chain, ruleContext } from '../../../../helpers/rule-context';

describe('rule terminal-shell-in-container', () => {
  test('should trigger: kubectl exec -it, kubectl run -it (the entrypoint with a tty), busybox applets', () => {
    for (const ev of [
      execEvent({ pid: 9400, nsPid: 20, filename: '/bin/bash', argv: ['bash'], tty: true, containerId: CONTAINER_ID, ancestry: chain() }),
      execEvent({ pid: 5000, nsPid: 1, filename: '/bin/sh', argv: ['sh'], tty: true, containerId: CONTAINER_ID, ancestry: chain() }),
      execEvent({ pid: 9401, nsPid: 21, filename: '/bin/busybox', argv: ['ash'], tty: true, containerId: CONTAINER_ID }),
    ])
      assert.ok(terminalShellInContainer.match(ev, ruleContext()), ev.exec?.argv.join(' '));
  });

  test('should not trigger: no terminal, the host, or a terminal program that is not a shell', () => {
    for (const ev of [
      execEvent({ pid: 9402, nsPid: 22, filename: '/bin/sh', argv: ['sh', '-c', 'probe'], containerId: CONTAINER_ID }),
      execEvent({ filename: '/bin/bash', argv: ['bash'], tty: true }),
      execEvent({ pid: 9403, nsPid: 23, filename: '/usr/bin/top', argv: ['top'], tty: true, containerId: CONTAINER_ID }),
    ])
      assert.equal(terminalShellInContainer.match(ev, ruleContext()), null, ev.exec?.argv.join(' '));
  });
});

describe('rule terminal-shell-in-container: review finding 7', () => {
  test('should trigger: a renamed shell called like one, a program from /tmp, the dynamic loader running a shell', () => {
    for (const ev of [
      execEvent({ pid: 9402, nsPid: 21, filename: '/tmp/x', argv: ['/tmp/x', '-i'], tty: true, containerId: CONTAINER_ID }),
      execEvent({ pid: 9403, nsPid: 22, filename: '/dev/shm/.k', argv: ['.k'], tty: true, containerId: CONTAINER_ID }),
      execEvent({ pid: 9404, nsPid: 23, filename: '/lib/ld-musl-x86_64.so.1', argv: ['/lib/ld-musl-x86_64.so.1', '/bin/sh'], tty: true, containerId: CONTAINER_ID }),
    ])
      assert.ok(terminalShellInContainer.match(ev, ruleContext()), ev.exec!.argv.join(' '));
    assert.equal(terminalShellInContainer.match(execEvent({ pid: 9405, nsPid: 24, filename: '/usr/bin/python3', argv: ['python3', '-c', 'print(1)'], tty: true, containerId: CONTAINER_ID }), ruleContext()), null, 'an interpreter -c is not a shell');
  });
});
