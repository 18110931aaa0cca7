import type { AuditRule } from '../rule';
import { asArray, asObject, asString, podSpecWrite, podTarget } from '../../audit/k8s-objects';

/** Paths whose mount hands a container the node: exact, or anything below them. */
const SENSITIVE_TREES = ['/etc', '/proc', '/root', '/var/lib/kubelet', '/etc/kubernetes', '/boot', '/sys'];
const SENSITIVE_EXACT = [
  '/',
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/var/run/containerd/containerd.sock',
  '/run/containerd/containerd.sock',
  '/var/run/crio/crio.sock',
  '/run/crio/crio.sock',
  '/var/run',
  '/run',
  '/var/lib/docker',
  '/var/lib/containerd',
];

export function isSensitiveHostPath(path: string): boolean {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return SENSITIVE_EXACT.includes(p) || SENSITIVE_TREES.some((t) => p === t || p.startsWith(`${t}/`));
}

export const k8sSensitiveHostMount: AuditRule = {
  id: 'k8s-sensitive-host-mount',
  version: 1,
  title: 'Pod with a sensitive host path mount',
  description:
    'A Pod or workload mounts a host path that exposes the node: its root, /etc, /proc, /root, the kubelet state, ' +
    'the Kubernetes PKI, or a container runtime socket. Any of these turns code execution in the container into ' +
    'control of the node (escape, credential theft, starting containers). Known benign: log shippers mounting ' +
    '/var/log (not flagged), node agents; list those as exceptions. Triage: which path, read-only or not, who created it.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1611', name: 'Escape to Host', tactic: 'Privilege Escalation' },
  sources: ['k8s_audit'],
  match(ev, record) {
    const w = podSpecWrite(ev);
    if (!w) return null;
    const paths = asArray(w.spec.volumes)
      .map((v) => asString(asObject(asObject(v)?.hostPath)?.path))
      .filter((p) => p !== '' && isSensitiveHostPath(p));
    if (paths.length === 0) return null;
    return {
      summary: `${record.username} ${ev.verb}d ${w.kind} ${w.namespace}/${w.name} mounting host path ${paths.join(', ')}`,
      ...podTarget(w),
      fields: { kind: w.kind, host_paths: paths.join(',') },
    };
  },
};
