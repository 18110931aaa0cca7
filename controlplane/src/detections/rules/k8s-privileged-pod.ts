import type { AuditRule } from '../rule';
import { actor, asObject, asString, containersOf, describeWrite, did, podSpecWrite, podSubject, podTarget, type Json } from '../../audit/k8s-objects';

/** Privileged on Linux, or a HostProcess container on Windows (the same thing there). */
function privileged(c: Json, podSecurity: Json | undefined): boolean {
  const sc = asObject(c.securityContext);
  return sc?.privileged === true || (asObject(sc?.windowsOptions)?.hostProcess ?? asObject(podSecurity?.windowsOptions)?.hostProcess) === true;
}

export const k8sPrivilegedPod: AuditRule = {
  id: 'k8s-privileged-pod',
  version: 2,
  title: 'Privileged container created',
  description:
    'A Pod, a workload\'s pod template (Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob), or an ' +
    'ephemeral container added to a running pod (kubectl debug, pods/ephemeralcontainers) runs a privileged ' +
    'container (or a Windows HostProcess one). Privileged containers see every host device and can take over the ' +
    'node: a favourite of attackers who got create rights. One alert per workload: the pods its controllers make ' +
    'from the template are not judged again. Known benign: CNI, storage and monitoring agents in their own ' +
    'namespaces; except them by image or namespace. Triage: who created it, from where (source IP, user agent), ' +
    'and which image.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1610', name: 'Deploy Container', tactic: 'Execution' },
  sources: ['k8s_audit'],
  match(ev, record) {
    const w = podSpecWrite(ev);
    if (!w) return null;
    const found = containersOf(w.spec).filter((c) => privileged(c, asObject(w.spec.securityContext)));
    if (found.length === 0) return null;
    const names = found.map((c) => asString(c.name) || '?');
    return {
      summary: `${actor(record)} ${did(ev.verb)} ${describeWrite(w)} with privileged container${names.length > 1 ? 's' : ''} ${names.join(', ')}`,
      ...podTarget(w),
      fields: { kind: w.kind, containers: names.join(','), images: found.map((c) => asString(c.image)).join(',') },
      subject: podSubject(w, found),
    };
  },
};
