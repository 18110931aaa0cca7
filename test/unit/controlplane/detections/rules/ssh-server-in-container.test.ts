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

describe('rule ssh-server-in-container: review finding 7', () => {
  test('should trigger: an sshd copied under another name into a writable directory, called like sshd', () => {
    assert.ok(sshServerInContainer.match(execEvent({ pid: 9430, nsPid: 48, filename: '/tmp/x', argv: ['/tmp/x', '-D', '-p', '2222', '-f', '/tmp/c'], containerId: CONTAINER_ID }), ruleContext()));
    assert.ok(sshServerInContainer.match(execEvent({ pid: 9431, nsPid: 49, filename: '/lib64/ld-linux-x86-64.so.2', argv: ['/lib64/ld-linux-x86-64.so.2', '/usr/sbin/sshd', '-D'], containerId: CONTAINER_ID }), ruleContext()));
  });

  test('should not trigger: ssh-agent, an ssh client with -D (a SOCKS proxy) run from /tmp', () => {
    assert.equal(sshServerInContainer.match(execEvent({ pid: 9432, nsPid: 50, filename: '/usr/bin/ssh-agent', argv: ['ssh-agent', '-s'], containerId: CONTAINER_ID }), ruleContext()), null);
    assert.equal(sshServerInContainer.match(execEvent({ pid: 9433, nsPid: 51, filename: '/tmp/ssh', argv: ['/tmp/ssh', '-D', '1080', '-p', '22', 'user@bastion'], containerId: CONTAINER_ID }), ruleContext()), null);
  });
});
