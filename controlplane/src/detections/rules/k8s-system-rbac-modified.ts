import { listItems } from '../lists';
import type { AuditRule } from '../rule';
import { actor, changedByUser, did, nameIn, objectName } from '../../audit/k8s-objects';

export function systemRbacNames(): readonly string[] {
  return listItems('system_rbac_names');
}

const RBAC_KINDS: Record<string, string> = { clusterroles: 'ClusterRole', clusterrolebindings: 'ClusterRoleBinding', roles: 'Role', rolebindings: 'RoleBinding' };

export const k8sSystemRbacModified: AuditRule = {
  id: 'k8s-system-rbac-modified',
  version: 1,
  title: 'System role or binding modified or deleted',
  description:
    'One of the cluster\'s own ClusterRoles, Roles or bindings (cluster-admin, admin, edit, view, system:*, ' +
    'kubeadm:*, eks:*) was changed, deleted, or created under such a name, by someone other than the control ' +
    'plane (the API server reconciles them at start; the aggregation controller fills admin, edit and view). ' +
    'Adding a rule to a system role quietly gives it to every identity bound to it (system:discovery is bound ' +
    'to every authenticated user); deleting one breaks or blinds the cluster; a new role under a system: name ' +
    'hides among the trusted ones. Known benign: cluster upgrades run by a person, and tools that add rules through ' +
    'aggregation labels (those change their own roles, not these). Triage: the change (the audit record holds ' +
    'request and response), who made it and from where.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1098.006', name: 'Account Manipulation: Additional Container Cluster Roles', tactic: 'Persistence' },
  sources: ['k8s_audit'],
  match(ev, record) {
    const kind = RBAC_KINDS[record.resource];
    if (!kind || !changedByUser(ev)) return null;
    // Deleting a whole collection takes the system objects in it too.
    if (record.verb !== 'deletecollection' && !nameIn(record.name, systemRbacNames())) return null;
    const what = record.verb === 'deletecollection' ? `every ${kind}${record.namespace ? ` in ${record.namespace}` : ''}` : `system ${kind} ${objectName(record)}`;
    return {
      summary: `${actor(record)} ${did(record.verb)} ${what}`,
      namespace: record.namespace,
      fields: { kind, verb: record.verb },
      subject: { name: record.name },
    };
  },
};
