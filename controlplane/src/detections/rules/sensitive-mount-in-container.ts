import * as path from 'node:path';
import type { Event__Output } from '../../../../proto/generated/vigil/v1/Event';
import type { HostRule } from '../rule';
import type { ContainerFacts } from '../../correlation/container-registry';
import { inContainer, isContainerInit, programOf } from '../facts';

/** Host block devices by name, for a mount that does not say its filesystem. */
const BLOCK_DEVICE = /^\/dev\/(sd[a-z]+|vd[a-z]+|xvd[a-z]+|hd[a-z]+|nvme\d+n\d+(p\d+)?|mmcblk\d+(p\d+)?|dm-\d+|mapper\/.+|md\d+|loop\d+|disk\/.+|root)\d*$/;
/** Filesystems that live on a disk: mounting one reads a device, whatever its node is called (mknod /tmp/d b 8 1, /dev/vg0/root). */
const DISK_FILESYSTEMS: ReadonlySet<string> = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'vfat', 'msdos', 'exfat', 'ntfs', 'ntfs3', 'f2fs', 'jfs', 'reiserfs', 'hfsplus', 'udf', 'iso9660', 'zfs', 'bcachefs']);
/** Kernel filesystems that expose or control the node from inside a container. */
const NODE_FILESYSTEMS = new Set(['proc', 'sysfs', 'cgroup', 'cgroup2', 'debugfs', 'tracefs', 'securityfs', 'bpf', 'configfs', 'efivarfs', 'devtmpfs', 'fusectl']);
const MS_BIND = 0x1000n;
/** How long after the runtime reports a container started its setup may still be mounting. */
const SETUP_GRACE_MS = 5_000;

/** Why a mount(2) exposes the node, or undefined. */
function exposure(source: string, fstype: string, flags: bigint): string | undefined {
  const src = path.posix.normalize(source || '.');
  const bind = (flags & MS_BIND) !== 0n;
  if (!bind && DISK_FILESYSTEMS.has(fstype)) return `${fstype} filesystem from ${src}`;
  if (!bind && BLOCK_DEVICE.test(src)) return `host block device ${src}`;
  if (NODE_FILESYSTEMS.has(fstype)) return `${fstype} filesystem`;
  if (bind && /^\/(proc|sys)(\/|$)/.test(src)) return `bind mount of ${src}`;
  return undefined;
}

/**
 * runc's init, by its look, for containers the control plane never saw
 * start (their description failed): weaker than the entrypoint test, since
 * a process can take these names.
 */
function isRuntimeInit(ev: Event__Output): boolean {
  return ev.process!.comm.startsWith('runc:') || /^\/(dev|proc\/self)\/fd\/\d+$|^\/proc\/self\/exe$/.test(ev.process!.exe);
}

/**
 * Whether the mount is the runtime setting the container up: before the
 * first process execs the entrypoint, by that process (or one that looks
 * like the runtime's init). A container that has run for a while is past
 * its setup even when its entrypoint's exec was never seen (a sensor
 * restart re-announces running containers).
 */
function runtimeSetup(ev: Event__Output, facts: ContainerFacts | undefined): boolean {
  if (!facts) return isRuntimeInit(ev);
  if (facts.initExecs.length) return false;
  const startedMs = Number(facts.details?.started_at_unix_nano ?? 0) / 1e6;
  if (startedMs > 0 && Number(ev.time_unix_nano) / 1e6 - startedMs > SETUP_GRACE_MS) return false;
  return isRuntimeInit(ev) || isContainerInit(ev, facts);
}

export const sensitiveMountInContainer: HostRule = {
  id: 'sensitive-mount-in-container',
  version: 2,
  title: 'Host device, /proc, /sys or cgroupfs mounted inside a container',
  description:
    'A process in a running container mounted a disk filesystem (ext4, xfs, btrfs...: a block device, whatever its ' +
    'node is called) or a host block device, proc, sysfs, cgroupfs (the release_agent escape), debugfs, bpffs or a ' +
    'bind of /proc or /sys; or used the new mount API (fsmount, move_mount: what util-linux 2.39+ mount does), ' +
    'whose events do not say what is mounted. These are the classic escapes from a privileged container: the ' +
    'node\'s disk, its kernel settings, or a cgroup release agent run as root on the node. The runtime\'s own setup ' +
    'mounts, made by the container\'s first process before it execs the entrypoint, are not raised; a container ' +
    'running for more than a few seconds is past its setup. Failed attempts are raised (an unprivileged container ' +
    'trying to escape is worth knowing). Known benign: Docker-in-Docker, systemd running inside a container, some ' +
    'storage agents, tmpfs mounts through the new API; list their images as exceptions. Triage: the process and ' +
    'its ancestry, whether the container is privileged (privileged-container-started), and what it did next.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1611', name: 'Escape to Host', tactic: 'Privilege Escalation' },
  sources: ['mount'],
  match(ev, ctx) {
    const m = ev.mount;
    if (!m || !inContainer(ev)) return null;
    if (runtimeSetup(ev, ctx.container())) return null;
    const newApi = m.call === 'CALL_FSMOUNT' || m.call === 'CALL_MOVE_MOUNT';
    const why = newApi ? `the new mount API (${m.call === 'CALL_FSMOUNT' ? 'fsmount' : 'move_mount'}: what it mounts is not reported)` : exposure(m.source, m.fstype, BigInt(m.flags || '0'));
    if (!why) return null;
    const p = programOf(ev);
    return {
      summary: `${p.exe || p.comm} (pid ${ev.process?.pid}) in container ${ev.container!.name || ev.container!.id.slice(0, 12)} mounted ${why}${m.target ? ` at ${m.target}` : ''}${m.result < 0 ? ` (failed: ${m.result})` : ''}`,
      fields: { source: m.source, target: m.target, fstype: m.fstype, flags: m.flags, result: String(m.result), exposure: why },
      // fsmount then move_mount is one act of one program.
      key: newApi ? `${p.exe || p.comm}>new-mount-api` : `${p.exe || p.comm}>${m.source}>${m.fstype}>${m.target}`,
    };
  },
};
