import { listItems } from '../lists';
import type { AuditContext, AuditRule } from '../rule';
import { actor, asArray, asObject, asString, byControlPlane, nameIn, succeededWrite, writtenObject, type Json } from '../../audit/k8s-objects';

export function highPrivilegedRoles(): readonly string[] {
  return listItems('high_privileged_roles');
}

export function subjectsOf(binding: Json): string[] {
  return asArray(binding.subjects).map((s) => {
    const o = asObject(s) ?? {};
    return `${asString(o.kind)}:${o.namespace ? `${asString(o.namespace)}/` : ''}${asString(o.name)}`;
  });
}

/** Why binding to this role matters, or empty. */
function roleReasons(kind: string, name: string, namespace: string, ctx: AuditContext): string[] {
  if (kind !== 'ClusterRole' && kind !== 'Role') return [];
  if (kind === 'ClusterRole' && nameIn(name, highPrivilegedRoles())) return [`ClusterRole ${name}`];
  const risks = ctx.roleRisks(kind, kind === 'Role' ? namespace : '', name);
  return risks.length ? [`${kind} ${name}, which grants ${risks.join(', ')}`] : [];
}

export const k8sClusterAdminBinding: AuditRule = {
  id: 'k8s-cluster-admin-binding',
  version: 2,
  title: 'Binding to cluster-admin or another high-privileged role',
  description:
    'A ClusterRoleBinding or RoleBinding grants cluster-admin, admin, edit, a system controller\'s or node\'s role, ' +
    'or a role Vigil saw written with high privileges (see k8s-high-privileged-role), or names the system:masters ' +
    'group, which needs no binding and appears in one only when someone is probing the break-glass path. Whoever ' +
    'the binding names can then do anything in the cluster (or the namespace): the shortest path from a foothold ' +
    'to full control. Bindings the control plane makes itself are not flagged. Known benign: a team given admin ' +
    'in its own namespace; except those bindings by name. Triage: the subjects, who made the binding, and whether ' +
    'a change ticket explains it. Roles written before the control plane started are known by the built-in list only.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1098.006', name: 'Account Manipulation: Additional Container Cluster Roles', tactic: 'Privilege Escalation' },
  sources: ['k8s_audit'],
  match(ev, record, ctx) {
    if (record.subresource || !succeededWrite(ev) || byControlPlane(ev)) return null;
    const kind = record.resource === 'clusterrolebindings' ? 'ClusterRoleBinding' : record.resource === 'rolebindings' ? 'RoleBinding' : '';
    const binding = kind ? writtenObject(ev, kind) : undefined;
    if (!binding) return null;
    const roleRef = asObject(binding.roleRef) ?? {};
    const role = asString(roleRef.name);
    const subjects = subjectsOf(binding);
    const reasons = roleReasons(asString(roleRef.kind), role, record.namespace, ctx);
    if (subjects.includes('Group:system:masters')) reasons.push('the group system:masters');
    if (reasons.length === 0) return null;
    const name = asString(asObject(binding.metadata)?.name) || record.name;
    return {
      summary: `${actor(record)} bound ${reasons.join(' and ')} to ${subjects.join(', ') || 'no subject'} (${kind} ${record.namespace ? `${record.namespace}/` : ''}${name})`,
      namespace: record.namespace,
      fields: { kind, role, subjects: subjects.join(',') },
      subject: { name },
    };
  },
};
