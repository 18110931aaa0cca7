import { listItems } from '../lists';
import * as path from 'node:path';
import type { AuditFinding, AuditRule } from '../rule';
import { actor, asArray, asObject, asString, describeWrite, did, podSpecWrite, podSubject, podTarget, succeededWrite, writtenObject } from '../../audit/k8s-objects';

export function sensitiveHostPaths(): readonly string[] {
  return listItems('sensitive_host_paths');
}

/**
 * The path as the kernel will resolve it: `//etc`, `/etc/`, `/etc/../etc`
 * and `etc` are all /etc, and /var/run is a symlink to /run on every
 * current distribution.
 */
export function normalizeHostPath(p: string): string {
  const n = path.posix.normalize(`/${p}`).replace(/\/+$/, '') || '/';
  return n === '/var/run' || n.startsWith('/var/run/') ? n.slice(4) : n;
}

export function isSensitiveHostPath(p: string): boolean {
  const n = normalizeHostPath(p);
  const under = (a: string, b: string) => a === b || b === '/' || a.startsWith(`${b}/`);
  return sensitiveHostPaths().some((t) => under(n, t) || under(t, n));
}

export const k8sSensitiveHostMount: AuditRule = {
  id: 'k8s-sensitive-host-mount',
  version: 2,
  title: 'Pod with a sensitive host path mount',
  description:
    'A Pod or workload mounts a host path that exposes the node, or a hostPath or local PersistentVolume is ' +
    'created for one: the root or /var, /etc, /root, /home, /proc, /sys, /dev, the kubelet\'s or etcd\'s state, ' +
    'a container runtime\'s state or socket. Paths are compared as the kernel resolves them (//etc, /etc/, ' +
    '/etc/../etc and /var/run/... all count). Any of these turns code execution in the container into control of ' +
    'the node (escape, credential theft, starting containers). Known benign: log shippers mounting /var/log and ' +
    'CNI or CSI agents (except them by image or namespace). Triage: which path, read-only or not, who created it.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1611', name: 'Escape to Host', tactic: 'Privilege Escalation' },
  sources: ['k8s_audit'],
  match(ev, record): AuditFinding | null {
    if (record.resource === 'persistentvolumes') {
      const pv = succeededWrite(ev) && !record.subresource ? writtenObject(ev, 'PersistentVolume') : undefined;
      const spec = asObject(pv?.spec) ?? {};
      const hostPath = asString(asObject(spec.hostPath)?.path) || asString(asObject(spec.local)?.path);
      if (!hostPath || !isSensitiveHostPath(hostPath)) return null;
      return {
        summary: `${actor(record)} ${did(ev.verb)} PersistentVolume ${record.name} on host path ${hostPath}: any pod that claims it mounts the node's ${normalizeHostPath(hostPath)}`,
        fields: { kind: 'PersistentVolume', host_paths: normalizeHostPath(hostPath) },
        subject: { name: record.name },
      };
    }
    const w = podSpecWrite(ev);
    if (!w) return null;
    const paths = asArray(w.spec.volumes)
      .map((v) => asString(asObject(asObject(v)?.hostPath)?.path))
      .filter((p) => p !== '' && isSensitiveHostPath(p));
    if (paths.length === 0) return null;
    return {
      summary: `${actor(record)} ${did(ev.verb)} ${describeWrite(w)} mounting host path ${paths.join(', ')}`,
      ...podTarget(w),
      fields: { kind: w.kind, host_paths: paths.map(normalizeHostPath).join(',') },
      subject: podSubject(w),
    };
  },
};
