import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { containerEscapeTool } from '../../../../../controlplane/src/detections/rules/container-escape-tool';
import { CONTAINER_ID, containerStarted, execEvent } from '../../../../helpers/synthetic-events';
import { contextAfter } from '../../../../helpers/rule-context';

const pod = { containerId: CONTAINER_ID, namespace: 'x', pod: 'p', podUid: 'u' };
const withHostRoot = containerStarted(pod, { init_pid: 5000, host_mounts: [{ host_path: '/', container_path: '/host', readonly: false }] });
const exec = (filename: string, argv: string[]) => execEvent({ pid: 7000, nsPid: 40, filename, argv, containerId: CONTAINER_ID });

describe('rule container-escape-tool', () => {
  test('should trigger: nsenter into pid 1, unshare, chroot into a host mount (paths written another way), escape kits', () => {
    for (const ev of [
      exec('/usr/bin/nsenter', ['nsenter', '-t', '1', '-m', '-u', '-n', '-i', 'sh']),
      exec('/bin/busybox', ['nsenter', '--target', '1', '--mount', 'sh']),
      exec('/usr/bin/unshare', ['unshare', '-UrmC', 'bash']),
      exec('/usr/sbin/chroot', ['chroot', '/host', '/bin/bash']),
      exec('/usr/sbin/chroot', ['chroot', '/host/', 'sh']),
      exec('/usr/sbin/chroot', ['chroot', '//host/./etc/..', 'sh']),
      exec('/tmp/cdk', ['./cdk', 'evaluate']),
      exec('/tmp/deepce.sh', ['deepce.sh']),
    ])
      assert.ok(containerEscapeTool.match(ev, contextAfter([withHostRoot], ev)), ev.exec!.argv.join(' '));
  });

  test('should not trigger: chroot into the container\'s own directory, the host running nsenter', () => {
    const own = exec('/usr/sbin/chroot', ['chroot', '/srv/jail', '/bin/true']);
    assert.equal(containerEscapeTool.match(own, contextAfter([withHostRoot], own)), null);
    const host = execEvent({ filename: '/usr/bin/nsenter', argv: ['nsenter', '-t', '42', '-n', 'ip', 'addr'] });
    assert.equal(containerEscapeTool.match(host, contextAfter([], host)), null);
  });
});
