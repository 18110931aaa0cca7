import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rbacObject } from '../../../../../controlplane/src/audit/audit-event-builder';
import { RuleSet } from '../../../../../controlplane/src/detections/rule-set';
import { DetectionEngine } from '../../../../../controlplane/src/detections/engine';
import { RULES } from '../../../../../controlplane/src/detections/rules';
import { toAuditRecord } from '../../../../../controlplane/src/audit/to-audit-record';
import type { K8sAuditEvent } from '../../../../../controlplane/src/audit/k8s-audit-event';
import { as, asAddOn, forbidden, judge, ruleCases } from './k8s-rule-cases';

const binding = (kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, role: string, subjects: object[], namespace?: string, roleKind = 'ClusterRole') =>
  rbacObject(kind, name, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role }, subjects }, namespace);
const mallory = [{ kind: 'User', name: 'mallory' }];

ruleCases('k8s-cluster-admin-binding', {
  should: [
    ['cluster-admin to a user', binding('ClusterRoleBinding', 'mallory-admin', 'cluster-admin', mallory)],
    ['admin in a namespace', binding('RoleBinding', 'mallory-ns-admin', 'admin', mallory, 'shop')],
    ['edit across the cluster', binding('ClusterRoleBinding', 'mallory-edit', 'edit', mallory)],
    ['a controller\'s role to a person', binding('ClusterRoleBinding', 'agg', 'system:controller:clusterrole-aggregation-controller', mallory)],
    ['naming the system:masters group', binding('ClusterRoleBinding', 'masters-view', 'view', [{ kind: 'Group', name: 'system:masters' }])],
    ['an add-on\'s kube-system service account is not the control plane (Stratus Red Team: k8s.persistence.create-admin-clusterrole)', asAddOn(binding('ClusterRoleBinding', 'sa-admin', 'cluster-admin', [{ kind: 'ServiceAccount', name: 'backdoor', namespace: 'kube-system' }]))],
  ],
  shouldNot: [
    ['binding to view', binding('ClusterRoleBinding', 'viewers', 'view', [{ kind: 'Group', name: 'devs' }])],
    ['binding to a role not known to be privileged', binding('RoleBinding', 'app', 'app-reader', [{ kind: 'ServiceAccount', name: 'app', namespace: 'shop' }], 'shop', 'Role')],
    ['the API server\'s bootstrap binding', as(binding('ClusterRoleBinding', 'cluster-admin', 'cluster-admin', [{ kind: 'Group', name: 'system:masters' }]), 'system:apiserver', ['system:masters'])],
    ['a failed create', forbidden(binding('ClusterRoleBinding', 'm', 'cluster-admin', mallory))],
  ],
});

test('k8s-cluster-admin-binding: a binding to a role the log showed to be privileged, in the order an attacker writes them', () => {
  const engine = new DetectionEngine(RuleSet.build(RULES));
  const ids = (events: K8sAuditEvent[]) => engine.evaluateAudit(events.map((raw) => ({ raw, record: toAuditRecord(raw) }))).map((r) => r.alert.rule_id);
  const role = rbacObject('ClusterRole', 'ops', { rules: [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }] });
  const roleInNs = rbacObject('Role', 'exec', { rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }] }, 'shop');
  const bind = binding('ClusterRoleBinding', 'ops-sa', 'ops', [{ kind: 'ServiceAccount', name: 'sa', namespace: 'stratus' }]);
  const bindNs = binding('RoleBinding', 'exec-sa', 'exec', [{ kind: 'ServiceAccount', name: 'sa', namespace: 'shop' }], 'shop', 'Role');
  assert.deepEqual(ids([bind]), [], 'not known yet');
  assert.deepEqual(ids([role, roleInNs, bind, bindNs]), ['k8s-high-privileged-role', 'k8s-high-privileged-role', 'k8s-cluster-admin-binding', 'k8s-cluster-admin-binding']);
  const deleted = { ...role, verb: 'delete', requestObject: undefined, responseObject: undefined };
  assert.deepEqual(ids([deleted, bind]), [], 'forgotten once deleted');
  assert.match(judge('k8s-cluster-admin-binding', bind, { roleRisks: (kind, ns, name) => (kind === 'ClusterRole' && ns === '' && name === 'ops' ? ['pods/exec'] : []) })?.summary ?? '', /ClusterRole ops, which grants pods\/exec to ServiceAccount:stratus\/sa/);
});
