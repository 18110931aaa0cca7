import type { AuditRule } from '../rule';
import { asObject, containersOf, podSpecWrite, podTarget } from '../../audit/k8s-objects';

export const k8sPrivilegedPod: AuditRule = {
  id: 'k8s-privileged-pod',
  version: 1,
  title: 'Privileged pod created',
  description:
    'A Pod, or a workload whose pod template (Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob), runs a ' +
    'privileged container. Privileged containers see every host device and can take over the node: a favourite of ' +
    'attackers who got create rights. Known benign: CNI, storage and monitoring agents in their own namespaces; ' +
    'list them as exceptions. Triage: who created it, from where (source IP, user agent), and which image.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1610', name: 'Deploy Container', tactic: 'Execution' },
  sources: ['k8s_audit'],
  match(ev, record) {
    const w = podSpecWrite(ev);
    if (!w) return null;
    const privileged = containersOf(w.spec).filter((c) => asObject(c.securityContext)?.privileged === true);
    if (privileged.length === 0) return null;
    const names = privileged.map((c) => String(c.name ?? '?'));
    return {
      summary: `${record.username} ${ev.verb}d ${w.kind} ${w.namespace}/${w.name} with privileged container${names.length > 1 ? 's' : ''} ${names.join(', ')}`,
      ...podTarget(w),
      fields: { kind: w.kind, containers: names.join(','), images: privileged.map((c) => String(c.image ?? '')).join(',') },
    };
  },
};
