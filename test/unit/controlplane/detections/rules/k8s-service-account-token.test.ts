import { auditEvent, container, createWorkload, podSpec } from '../../../../../controlplane/src/audit/audit-event-builder';
import { as, asAddOn, forbidden, replica, ruleCases } from './k8s-rule-cases';

const tokenVolume = (audience: string) => ({ name: 'token', projected: { sources: [{ serviceAccountToken: audience ? { audience, path: 'token' } : { path: 'token' } }] } });
const tokenRequest = () => auditEvent({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'shop', name: 'web' });

ruleCases('k8s-service-account-token', {
  should: [
    ['a user requests a token (Stratus Red Team: k8s.persistence.create-token)', auditEvent({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'shop', name: 'deployer' })],
    ['a user creates a token secret', auditEvent({ verb: 'create', resource: 'secrets', namespace: 'shop', name: 't', requestObject: { kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 't', annotations: { 'kubernetes.io/service-account.name': 'deployer' } } } })],
    ['a user projects a token into a deployment', createWorkload('Deployment', 'shop', 'relay', podSpec([container('relay', 'busybox')], { serviceAccountName: 'deployer', volumes: [tokenVolume('vault')] }))],
    ['an add-on\'s kube-system service account is not the control plane', asAddOn(tokenRequest())],
    ['a user named like a node, without the nodes group', as(tokenRequest(), 'system:node:worker-1')],
  ],
  shouldNot: [
    ['the kubelet requests a token', as(tokenRequest(), 'system:node:worker-1', ['system:nodes', 'system:authenticated'])],
    ['the controller manager requests one for a controller', as(tokenRequest(), 'system:kube-controller-manager')],
    ['an opaque secret', auditEvent({ verb: 'create', resource: 'secrets', namespace: 'shop', name: 'db', requestObject: { kind: 'Secret', type: 'Opaque', metadata: { name: 'db' } } })],
    ['the token admission adds, seen in the response', { ...createWorkload('Pod', 'shop', 'web', podSpec([container('web', 'nginx')])), responseObject: { kind: 'Pod', metadata: { name: 'web', namespace: 'shop' }, spec: podSpec([container('web', 'nginx')], { volumes: [{ ...tokenVolume(''), name: 'kube-api-access-x1' }] }) } }],
    ['the ReplicaSet controller creating the pods of such a deployment', replica(podSpec([container('relay', 'busybox')], { volumes: [tokenVolume('vault')] }))],
    ['a failed create', forbidden(createWorkload('Pod', 'shop', 'relay', podSpec([container('relay', 'busybox')], { volumes: [tokenVolume('vault')] })))],
  ],
});
