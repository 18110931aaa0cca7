import { auditEvent, rbacObject } from '../../../../../controlplane/src/audit/audit-event-builder';
import { as, asController, forbidden, ruleCases } from './k8s-rule-cases';

const rbac = (verb: string, resource: string, name: string) => auditEvent({ verb, resource, apiGroup: 'rbac.authorization.k8s.io', name });

ruleCases('k8s-system-rbac-modified', {
  should: [
    ['a patch of system:discovery, which every authenticated user holds', rbac('patch', 'clusterroles', 'system:discovery')],
    ['the cluster-admin binding deleted', rbac('delete', 'clusterrolebindings', 'cluster-admin')],
    ['a new role under a system: name', rbacObject('ClusterRole', 'system:metrics-helper', { rules: [] })],
    ['edit changed by a user', rbac('update', 'clusterroles', 'edit')],
    ['every ClusterRole deleted at once', rbac('deletecollection', 'clusterroles', '')],
    ['a kubeadm binding changed', rbac('update', 'clusterrolebindings', 'kubeadm:kubelet-bootstrap')],
    ['a system Role in kube-system', auditEvent({ verb: 'patch', resource: 'roles', apiGroup: 'rbac.authorization.k8s.io', namespace: 'kube-system', name: 'system:controller:bootstrap-signer' })],
  ],
  shouldNot: [
    ['the API server reconciling its defaults', as(rbac('update', 'clusterroles', 'system:discovery'), 'system:apiserver', ['system:masters'])],
    ['the aggregation controller filling admin', asController(rbac('update', 'clusterroles', 'admin'), 'clusterrole-aggregation-controller')],
    ['a user\'s own role', rbac('update', 'clusterroles', 'shop-reader')],
    ['a forbidden attempt', forbidden(rbac('delete', 'clusterrolebindings', 'cluster-admin'))],
    ['a read', rbac('get', 'clusterroles', 'cluster-admin')],
  ],
});
