import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sensitiveMountInContainer } from '../../../../../controlplane/src/detections/rules/sensitive-mount-in-container';
import { CONTAINER_ID, containerStarted, execEvent, mountEvent } from '../../../../helpers/synthetic-events';
import { contextAfter } from '../../../../helpers/rule-context';

const pod = { containerId: CONTAINER_ID, namespace: 'shop', pod: 'web-1', podUid: 'u1' };
const started = containerStarted(pod, { init_pid: 5000 });
const entrypoint = execEvent({ pid: 5000, nsPid: 1, filename: '/bin/sh', argv: ['sh', '-c', 'sleep 9'], containerId: CONTAINER_ID });
const running = [started, entrypoint];
const MS_BIND = 0x1000;

describe('rule sensitive-mount-in-container', () => {
  test('should trigger: host disks, proc, sysfs, cgroupfs (release_agent), binds of /proc, failed attempts too', () => {
    for (const ev of [
      mountEvent('/dev/sda1', '/mnt', 'ext4', { containerId: CONTAINER_ID }),
      mountEvent('/dev/nvme0n1p1', '/mnt', 'xfs', { containerId: CONTAINER_ID }),
      mountEvent('/dev/mapper/vg-root', '/mnt', 'ext4', { containerId: CONTAINER_ID }),
      mountEvent('cgroup', '/tmp/cgrp', 'cgroup', { containerId: CONTAINER_ID }),
      mountEvent('proc', '/tmp/p', 'proc', { containerId: CONTAINER_ID }),
      mountEvent('sysfs', '/tmp/s', 'sysfs', { containerId: CONTAINER_ID }),
      mountEvent('/proc', '/tmp/hostproc', '', { containerId: CONTAINER_ID, flags: MS_BIND }),
      mountEvent('//dev//sda', '/mnt', 'ext4', { containerId: CONTAINER_ID }),
      mountEvent('/dev/sda1', '/mnt', 'ext4', { containerId: CONTAINER_ID, result: -1 }),
    ])
      assert.ok(sensitiveMountInContainer.match(ev, contextAfter(running, ev)), `${ev.mount!.source} ${ev.mount!.fstype}`);
  });

  test('should not trigger: the runtime setting the container up before its entrypoint runs, tmpfs, the host', () => {
    const setup = mountEvent('proc', '/proc/self/fd/6', 'proc', { pid: 5000, containerId: CONTAINER_ID, exe: '/dev/fd/6' });
    assert.equal(sensitiveMountInContainer.match(setup, contextAfter([started], setup)), null);
    const tmpfs = mountEvent('tmpfs', '/scratch', 'tmpfs', { containerId: CONTAINER_ID });
    assert.equal(sensitiveMountInContainer.match(tmpfs, contextAfter(running, tmpfs)), null);
    const host = mountEvent('/dev/sdb1', '/mnt/data', 'ext4');
    assert.equal(sensitiveMountInContainer.match(host, contextAfter([], host)), null);
  });
});
