import type { AuditRule } from '../rule';
import { asArray, asObject, asString, isSystemUser, succeededWrite, writtenObject } from '../../audit/k8s-objects';

const ESCALATING_VERBS = ['escalate', 'bind', 'impersonate'];
const READ_VERBS = ['get', 'list', 'watch', '*'];

/** Why a role's rules make it highly privileged, or empty. */
export function roleRisks(role: Record<string, unknown>, clusterScope: boolean): string[] {
  const risks = new Set<string>();
  for (const r of asArray(role.rules)) {
    const rule = asObject(r) ?? {};
    const verbs = asArray(rule.verbs).map(asString);
    const resources = asArray(rule.resources).map(asString);
    if (verbs.includes('*')) risks.add('all verbs (*)');
    if (resources.includes('*')) risks.add('all resources (*)');
    for (const v of ESCALATING_VERBS) if (verbs.includes(v)) risks.add(`${v}`);
    if (clusterScope && resources.includes('secrets') && verbs.some((v) => READ_VERBS.includes(v))) risks.add('secrets read across the cluster');
  }
  return [...risks];
}

export const k8sHighPrivilegedRole: AuditRule = {
  id: 'k8s-high-privileged-role',
  version: 1,
  title: 'New or changed highly privileged role',
  description:
    'A ClusterRole or Role was created or changed to grant wildcard verbs or resources, escalate/bind/impersonate, or ' +
    'read secrets across the cluster. Such roles are how access becomes cluster control; an attacker creates one ' +
    'to bind to an identity they hold. Roles the API server bootstraps are not flagged. Known benign: operators ' +
    'installed by Helm (check the user agent). Triage: who wrote it, and which bindings follow.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1098.006', name: 'Account Manipulation: Additional Container Cluster Roles', tactic: 'Persistence' },
  sources: ['k8s_audit'],
  match(ev, record) {
    if (!succeededWrite(ev) || isSystemUser(record.username)) return null;
    const kind = record.resource === 'clusterroles' ? 'ClusterRole' : record.resource === 'roles' ? 'Role' : '';
    const role = kind ? writtenObject(ev, kind) : undefined;
    if (!role) return null;
    const risks = roleRisks(role, kind === 'ClusterRole');
    if (risks.length === 0) return null;
    const name = asString(asObject(role.metadata)?.name) || record.name;
    return {
      summary: `${record.username} ${ev.verb}d ${kind} ${record.namespace ? `${record.namespace}/` : ''}${name} granting ${risks.join(', ')}`,
      fields: { kind, role: name, risks: risks.join(', ') },
    };
  },
};
