import type { AuditRule } from '../rule';
import { actor, asObject, asString, byControlPlane, did, succeededWrite, writtenObject } from '../../audit/k8s-objects';
import { roleKindOf, roleRisks } from '../../audit/rbac';

export const k8sHighPrivilegedRole: AuditRule = {
  id: 'k8s-high-privileged-role',
  version: 2,
  title: 'New or changed highly privileged role',
  description:
    'A ClusterRole or Role was created or changed to grant wildcard verbs or resources; escalate, bind or ' +
    'impersonate; commands in pods (pods/exec, pods/attach, or nodes/proxy, which reaches the kubelet and with it ' +
    'every pod of the node, bypassing admission and audit); minting tokens (serviceaccounts/token create); reading ' +
    'secrets across the cluster; or an aggregationRule, whose rules arrive later from whatever roles carry the ' +
    'labels it selects. Such roles are how access becomes cluster control: an attacker creates one to bind to an ' +
    'identity they hold. Only writes by the control plane itself (the API server\'s bootstrap, the aggregation ' +
    'controller) are not flagged; labels on the role such as kubernetes.io/bootstrapping are the writer\'s own ' +
    'and prove nothing. Known benign: operators installed by Helm (check the user agent). Triage: who wrote it, ' +
    'and which bindings follow (k8s-cluster-admin-binding names them).',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1098.006', name: 'Account Manipulation: Additional Container Cluster Roles', tactic: 'Persistence' },
  sources: ['k8s_audit'],
  match(ev, record) {
    const kind = roleKindOf(record.resource);
    if (!kind || record.subresource || !succeededWrite(ev) || byControlPlane(ev)) return null;
    const role = writtenObject(ev, kind);
    if (!role) return null;
    const risks = roleRisks(role, kind === 'ClusterRole');
    if (risks.length === 0) return null;
    const name = asString(asObject(role.metadata)?.name) || record.name;
    return {
      summary: `${actor(record)} ${did(ev.verb)} ${kind} ${record.namespace ? `${record.namespace}/` : ''}${name} granting ${risks.join(', ')}`,
      namespace: record.namespace,
      fields: { kind, role: name, risks: risks.join(', ') },
      subject: { name },
    };
  },
};
