import type { AuditRule } from '../rule';
import { actor, describeWrite, did, podSpecWrite, podSubject, podTarget } from '../../audit/k8s-objects';

export const k8sHostNamespacesPod: AuditRule = {
  id: 'k8s-host-namespaces-pod',
  version: 2,
  title: 'Pod sharing the host network, PID or IPC namespace',
  description:
    'A Pod or workload with hostNetwork, hostPID or hostIPC, or an ephemeral container (kubectl debug) added to ' +
    'such a pod: its containers see the node\'s network interfaces, every process on the node, or its shared ' +
    'memory, which breaks the isolation between workloads and the node. Known benign: CNI plugins, kube-proxy, ' +
    'node exporters. Triage: is the namespace one of the platform\'s own?',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1611', name: 'Escape to Host', tactic: 'Privilege Escalation' },
  sources: ['k8s_audit'],
  match(ev, record) {
    const w = podSpecWrite(ev);
    if (!w) return null;
    const shared = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => w.spec[k] === true);
    if (shared.length === 0) return null;
    return {
      summary: `${actor(record)} ${did(ev.verb)} ${describeWrite(w)} with ${shared.join(', ')}`,
      ...podTarget(w),
      fields: { kind: w.kind, host_namespaces: shared.join(','), ephemeral: String(w.ephemeral) },
      subject: podSubject(w),
    };
  },
};
