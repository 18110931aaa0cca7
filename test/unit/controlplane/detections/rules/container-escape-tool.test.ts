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

describe('rule container-escape-tool: review findings 7 and 8', () => {
  test('should trigger: nsenter whatever argv[0] says or the file is named, chroot into /proc/N/root, a relative path, after options', () => {
    const cd = (dir: string, cmd: string) => [{ pid: 6999, exe: '/bin/sh', argv: ['sh', '-c', `cd ${dir} && ${cmd}; true`], comm: 'sh' }];
    for (const ev of [
      exec('/usr/bin/nsenter', ['chroot', '-t', '1', '-m', '-u', '-n', '-i', 'sh']),
      exec('/tmp/ns', ['/tmp/ns', '-t', '1', '-a', 'sh']),
      exec('/usr/sbin/chroot', ['chroot', '/proc/1/root', 'sh']),
      exec('/usr/sbin/chroot', ['chroot', '.']),
      exec('/usr/sbin/chroot', ['chroot', '--userspec', '0:0', '/host']),
      exec('/usr/sbin/chroot', ['chroot', '--userspec=0:0', '/host', 'sh']),
      { ...exec('/usr/sbin/chroot', ['chroot', 'etc/..']), ancestry: cd('/host', 'chroot etc/..') },
    ]) {
      const f = containerEscapeTool.match(ev, contextAfter([withHostRoot], ev));
      assert.ok(f, ev.exec!.argv.join(' '));
    }
    const byCd = { ...exec('/usr/sbin/chroot', ['chroot', '.']), ancestry: cd('/host', 'chroot .') };
    assert.equal(containerEscapeTool.match(byCd, contextAfter([withHostRoot], byCd))?.fields?.host_path, '/');
  });

  test('should not trigger: chroot into the container\'s own directory named relative to a known directory, chroot called by another name', () => {
    const own = { ...exec('/usr/sbin/chroot', ['chroot', 'jail', '/bin/true']), ancestry: [{ pid: 6999, exe: '/bin/sh', argv: ['sh', '-c', 'cd /srv && chroot jail /bin/true; true'], comm: 'sh' }] };
    assert.equal(containerEscapeTool.match(own, contextAfter([withHostRoot], own)), null);
    const named = exec('/usr/bin/env', ['nsenter', 'true']);
    assert.equal(containerEscapeTool.match(named, contextAfter([withHostRoot], named)), null, 'argv[0] alone does not make a tool');
  });
});
