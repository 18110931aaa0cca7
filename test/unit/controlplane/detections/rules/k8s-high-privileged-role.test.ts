import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rbacObject } from '../../../../../controlplane/src/audit/audit-event-builder';
import { as, asController, forbidden, impersonating, judge, ruleCases } from './k8s-rule-cases';

const clusterRole = (name: string, rules: object[], extra: object = {}) => rbacObject('ClusterRole', name, { rules, ...extra });

ruleCases('k8s-high-privileged-role', {
  should: [
    ['wildcard verbs', clusterRole('ops', [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }])],
    ['escalate', rbacObject('Role', 'x', { rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] }] }, 'shop')],
    ['impersonate', clusterRole('imp', [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }])],
    ['secrets read cluster-wide', clusterRole('reader', [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }])],
    ['nodes/proxy, the kubelet API (Stratus Red Team: k8s.privilege-escalation.nodes-proxy)', clusterRole('node-proxier', [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }])],
    ['pods/exec', rbacObject('Role', 'debugger', { rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }] }, 'shop')],
    ['pods/attach through get, as websocket clients were authorized', clusterRole('attacher', [{ apiGroups: [''], resources: ['pods/attach'], verbs: ['get'] }])],
    ['minting tokens', clusterRole('minter', [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }])],
    ['every pod subresource', clusterRole('pods-all', [{ apiGroups: [''], resources: ['pods/*'], verbs: ['create'] }])],
    ['an aggregationRule: its rules arrive later', clusterRole('aggregated', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/aggregate-to-ops': 'true' } }] } })],
    ['a user\'s role labelled as a bootstrap role is still the user\'s', clusterRole('system:looks-trusted', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], { metadata: { name: 'system:looks-trusted', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } } })],
    ['impersonating the API server is still the impersonator', impersonating(clusterRole('imp-root', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]), { username: 'system:apiserver', groups: ['system:masters'] })],
    ['an add-on\'s kube-system service account is not the control plane', asController(clusterRole('addon', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]), 'tiller')],
  ],
  shouldNot: [
    ['explicit verbs', clusterRole('viewer', [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list', 'watch'] }])],
    ['secrets read in one namespace', rbacObject('Role', 'app-secrets', { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] }, 'shop')],
    ['named secrets read cluster-wide', clusterRole('one-secret', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['webhook-tls'] }])],
    ['pod logs, not exec', clusterRole('logs', [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }])],
    ['a resource of another API group named like a core one', clusterRole('metrics', [{ apiGroups: ['metrics.k8s.io'], resources: ['nodes/proxy', 'secrets'], verbs: ['get', 'list'] }])],
    ['bootstrap by the API server', as(clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]), 'system:apiserver', ['system:masters'])],
    ['the aggregation controller filling admin', asController({ ...clusterRole('admin', [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }]), verb: 'update' }, 'clusterrole-aggregation-controller')],
    ['a failed create', forbidden(clusterRole('ops', [{ resources: ['*'], verbs: ['*'] }]))],
  ],
});

test('k8s-high-privileged-role names each risk', () => {
  const f = judge('k8s-high-privileged-role', clusterRole('mixed', [{ apiGroups: [''], resources: ['nodes/proxy', 'secrets'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }]));
  assert.equal(f?.fields?.risks, 'nodes/proxy (the kubelet API: exec in any pod of the node), secrets read across the cluster, serviceaccounts/token create (minting tokens)');
  assert.deepEqual(f?.subject, { name: 'mixed' });
});
