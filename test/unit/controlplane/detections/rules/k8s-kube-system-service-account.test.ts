import { auditEvent } from '../../../../../controlplane/src/audit/audit-event-builder';
import { as, asAddOn, asController, forbidden, ruleCases } from './k8s-rule-cases';

const serviceAccount = (namespace: string, name: string) => auditEvent({ verb: 'create', resource: 'serviceaccounts', namespace, name, requestObject: { kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name, namespace } } });

ruleCases('k8s-kube-system-service-account', {
  should: [
    ['a user creates one (Stratus Red Team: k8s.persistence.create-admin-clusterrole)', serviceAccount('kube-system', 'stratus-red-team-sa')],
    ['an add-on\'s account creates one', asAddOn(serviceAccount('kube-system', 'helper'))],
  ],
  shouldNot: [
    ['in another namespace', serviceAccount('shop', 'web')],
    ['the service account controller creating default', asController(serviceAccount('kube-system', 'default'), 'service-account-controller')],
    ['the controller manager creating a controller\'s account', as(serviceAccount('kube-system', 'job-controller'), 'system:kube-controller-manager')],
    ['a token requested for one', auditEvent({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'kube-system', name: 'x' })],
    ['a forbidden create', forbidden(serviceAccount('kube-system', 'x'))],
  ],
});
