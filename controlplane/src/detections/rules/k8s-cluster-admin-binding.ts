import type { AuditRule } from '../rule';
import { asArray, asObject, asString, isSystemUser, succeededWrite, writtenObject } from '../../audit/k8s-objects';

export function subjectsOf(binding: Record<string, unknown>): string[] {
  return asArray(binding.subjects).map((s) => {
    const o = asObject(s) ?? {};
    return `${asString(o.kind)}:${o.namespace ? `${asString(o.namespace)}/` : ''}${asString(o.name)}`;
  });
}

export const k8sClusterAdminBinding: AuditRule = {
  id: 'k8s-cluster-admin-binding',
  version: 1,
  title: 'Binding to cluster-admin',
  description:
    'A ClusterRoleBinding or RoleBinding grants the cluster-admin ClusterRole. Whoever it names can do anything ' +
    'in the cluster (or the namespace); it is the shortest path from a foothold to full control. Bootstrap ' +
    'bindings made by the API server are not flagged. Triage: the subjects, who made the binding, and whether ' +
    'a change ticket explains it.',
  severity: 'SEVERITY_CRITICAL',
  mitre: { id: 'T1098.006', name: 'Account Manipulation: Additional Container Cluster Roles', tactic: 'Privilege Escalation' },
  sources: ['k8s_audit'],
  match(ev, record) {
    if (!succeededWrite(ev) || isSystemUser(record.username)) return null;
    const kind = record.resource === 'clusterrolebindings' ? 'ClusterRoleBinding' : record.resource === 'rolebindings' ? 'RoleBinding' : '';
    const binding = kind ? writtenObject(ev, kind) : undefined;
    const roleRef = asObject(binding?.roleRef);
    if (!binding || asString(roleRef?.kind) !== 'ClusterRole' || asString(roleRef?.name) !== 'cluster-admin') return null;
    const subjects = subjectsOf(binding);
    return {
      summary: `${record.username} bound cluster-admin to ${subjects.join(', ') || 'no subject'} (${kind} ${asString(asObject(binding.metadata)?.name) || record.name})`,
      fields: { kind, subjects: subjects.join(',') },
    };
  },
};
