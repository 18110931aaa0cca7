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

describe('rule sensitive-mount-in-container: review finding 2', () => {
  const newApi = (call: 'CALL_FSMOUNT' | 'CALL_MOVE_MOUNT', target: string, s: { pid?: number; exe?: string; timeNs?: bigint } = {}) => {
    const ev = mountEvent('', target, '', { containerId: CONTAINER_ID, pid: s.pid ?? 6000, exe: s.exe });
    return { ...ev, mount: { ...ev.mount!, call, flags: call === 'CALL_MOVE_MOUNT' ? '4' : '0' }, time_unix_nano: String(s.timeNs ?? BigInt(Date.now()) * 1_000_000n) };
  };

  test('should trigger: the new mount API (fsmount, move_mount, open_tree + move_mount), a disk filesystem from any device node', () => {
    for (const ev of [
      newApi('CALL_FSMOUNT', ''),
      newApi('CALL_MOVE_MOUNT', '/mnt'),
      mountEvent('/tmp/d', '/mnt', 'ext4', { containerId: CONTAINER_ID }),
      mountEvent('/dev/vg0/root', '/mnt', 'xfs', { containerId: CONTAINER_ID }),
      mountEvent('/dev/root', '/mnt', 'ext4', { containerId: CONTAINER_ID }),
    ])
      assert.ok(sensitiveMountInContainer.match(ev, contextAfter(running, ev)), `${ev.mount!.call} ${ev.mount!.source} ${ev.mount!.fstype}`);
  });

  test('should trigger: a container re-announced after a sensor restart (its entrypoint\'s exec never seen) is past its setup', () => {
    const longAgo = containerStarted(pod, { init_pid: 5000, started_at_unix_nano: String((BigInt(Date.now()) - 3_600_000n) * 1_000_000n) });
    const ev = mountEvent('/dev/sda1', '/mnt', 'ext4', { containerId: CONTAINER_ID, pid: 6000 });
    assert.ok(sensitiveMountInContainer.match(ev, contextAfter([longAgo], ev)));
    // Also while the runtime's setup might still run: a process that is not the runtime's init is judged.
    assert.ok(sensitiveMountInContainer.match(ev, contextAfter([started], ev)));
  });

  test('setup ends 5 s after the runtime says the container started, when the entrypoint\'s exec was not seen', () => {
    const startedAt = BigInt(Date.now()) * 1_000_000n;
    const fresh = containerStarted(pod, { init_pid: 5000, started_at_unix_nano: String(startedAt) });
    const byInitAt = (ms: number) => ({ ...mountEvent('proc', '/proc/self/fd/6', 'proc', { pid: 5000, containerId: CONTAINER_ID, exe: '/proc/self/exe' }), time_unix_nano: String(startedAt + BigInt(ms) * 1_000_000n) });
    assert.equal(sensitiveMountInContainer.match(byInitAt(1000), contextAfter([fresh], byInitAt(1000))), null);
    assert.ok(sensitiveMountInContainer.match(byInitAt(6000), contextAfter([fresh], byInitAt(6000))));
  });

  test('should not trigger: the runtime\'s init setting the container up, through either API; tmpfs and binds that are not /proc or /sys', () => {
    const byInit = newApi('CALL_MOVE_MOUNT', '/proc/self/fd/7', { pid: 5000, exe: '/proc/self/exe' });
    assert.equal(sensitiveMountInContainer.match(byInit, contextAfter([started], byInit)), null);
    const procByInit = mountEvent('proc', '/proc/self/fd/6', 'proc', { pid: 5000, containerId: CONTAINER_ID, exe: '/dev/fd/6' });
    assert.equal(sensitiveMountInContainer.match(procByInit, contextAfter([started], procByInit)), null);
    const bindData = mountEvent('/data', '/srv/data', '', { containerId: CONTAINER_ID, flags: MS_BIND });
    assert.equal(sensitiveMountInContainer.match(bindData, contextAfter(running, bindData)), null);
    const bindDisk = mountEvent('/dev/sda1', '/mnt/dev', 'ext4', { containerId: CONTAINER_ID, flags: MS_BIND });
    assert.equal(sensitiveMountInContainer.match(bindDisk, contextAfter(running, bindDisk)), null, 'a bind of a device node mounts no filesystem');
  });
});
