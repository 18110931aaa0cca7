import * as path from 'node:path';
import type { Event__Output } from '../../../../proto/generated/vigil/v1/Event';
import type { HostRule } from '../rule';
import { inContainer, programOf } from '../facts';

/** Host block devices: mounting one reads the node's disks. */
const BLOCK_DEVICE = /^\/dev\/(sd[a-z]+|vd[a-z]+|xvd[a-z]+|hd[a-z]+|nvme\d+n\d+(p\d+)?|mmcblk\d+(p\d+)?|dm-\d+|mapper\/.+|md\d+|loop\d+|disk\/.+)\d*$/;
/** Kernel filesystems that expose or control the node from inside a container. */
const NODE_FILESYSTEMS = new Set(['proc', 'sysfs', 'cgroup', 'cgroup2', 'debugfs', 'tracefs', 'securityfs', 'bpf', 'configfs', 'efivarfs', 'devtmpfs', 'fusectl']);
const MS_BIND = 0x1000n;

/** Why a mount exposes the node, or undefined. */
function exposure(source: string, fstype: string, flags: bigint): string | undefined {
  const src = path.posix.normalize(source || '.');
  if (BLOCK_DEVICE.test(src)) return `host block device ${src}`;
  if (NODE_FILESYSTEMS.has(fstype)) return `${fstype} filesystem`;
  if ((flags & MS_BIND) !== 0n && /^\/(proc|sys)(\/|$)/.test(src)) return `bind mount of ${src}`;
  return undefined;
}

/**
 * runc's init, by its look, for containers the control plane never saw
 * start (their description failed): weaker than the entrypoint test above,
 * since a process can take these names.
 */
function isRuntimeInit(ev: Event__Output): boolean {
  return ev.process!.comm.startsWith('runc:') || /^\/(dev|proc\/self)\/fd\/\d+$|^\/proc\/self\/exe$/.test(ev.process!.exe);
}

export const sensitiveMountInContainer: HostRule = {
  id: 'sensitive-mount-in-container',
  version: 1,
  title: 'Host device, /proc, /sys or cgroupfs mounted inside a container',
  description:
    'A process in a running container called mount(2) on a host block device, or mounted proc, sysfs, cgroupfs ' +
    '(the release_agent escape), debugfs, bpffs or a bind of /proc or /sys. These are the classic escapes from a ' +
    'privileged container: the node\'s disk, its kernel settings, or a cgroup release agent run as root on the node. ' +
    'The runtime\'s own setup mounts, made before the container\'s entrypoint starts, are not raised; failed attempts ' +
    'are (an unprivileged container trying to escape is worth knowing). Known benign: Docker-in-Docker, systemd ' +
    'running inside a container, some storage agents; list their images as exceptions. Triage: the process and its ' +
    'ancestry, whether the container is privileged (privileged-container-started), and what it did next.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1611', name: 'Escape to Host', tactic: 'Privilege Escalation' },
  sources: ['mount'],
  match(ev, ctx) {
    const m = ev.mount;
    if (!m || !inContainer(ev)) return null;
    // The runtime sets the container up from inside its cgroup before the entrypoint runs.
    const facts = ctx.container();
    if (facts?.details ? facts.initExes.size === 0 : isRuntimeInit(ev)) return null;
    const why = exposure(m.source, m.fstype, BigInt(m.flags || '0'));
    if (!why) return null;
    const p = programOf(ev);
    return {
      summary: `${p.exe || p.comm} (pid ${ev.process?.pid}) in container ${ev.container!.name || ev.container!.id.slice(0, 12)} mounted ${why} at ${m.target}${m.result < 0 ? ` (failed: ${m.result})` : ''}`,
      fields: { source: m.source, target: m.target, fstype: m.fstype, flags: m.flags, result: String(m.result), exposure: why },
      key: `${p.exe || p.comm}>${m.source}>${m.fstype}>${m.target}`,
    };
  },
};
