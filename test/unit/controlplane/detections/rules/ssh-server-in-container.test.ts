import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sshServerInContainer } from '../../../../../controlplane/src/detections/rules/ssh-server-in-container';
import { CONTAINER_ID, execEvent } from '../../../../helpers/synthetic-events';
import { ruleContext } from '../../../../helpers/rule-context';

describe('rule ssh-server-in-container', () => {
  test('should trigger: sshd, dropbear (also through its multi-call binary), as entrypoint or started later', () => {
    for (const [filename, argv, nsPid] of [
      ['/usr/sbin/sshd', ['/usr/sbin/sshd', '-D', '-e'], 1],
      ['/usr/sbin/dropbear', ['dropbear', '-F', '-E', '-p', '2222'], 33],
      ['/usr/bin/dropbearmulti', ['dropbear', '-R'], 34],
      ['/tmp/.x/sshd', ['/tmp/.x/sshd', '-f', '/tmp/.x/c'], 35],
    ] as const)
      assert.ok(sshServerInContainer.match(execEvent({ pid: 6000 + nsPid, nsPid, filename, argv: [...argv], containerId: CONTAINER_ID }), ruleContext()), filename);
  });

  test('should not trigger: the ssh client, ssh-keygen, an sshd on the host', () => {
    for (const ev of [
      execEvent({ filename: '/usr/bin/ssh', argv: ['ssh', 'git@github.com'], containerId: CONTAINER_ID }),
      execEvent({ filename: '/usr/bin/ssh-keygen', argv: ['ssh-keygen', '-A'], containerId: CONTAINER_ID }),
      execEvent({ filename: '/usr/sbin/sshd', argv: ['/usr/sbin/sshd', '-D'] }),
    ])
      assert.equal(sshServerInContainer.match(ev, ruleContext()), null, ev.exec!.filename);
  });
});
