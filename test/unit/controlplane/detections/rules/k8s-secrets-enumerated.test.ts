import { auditEvent } from '../../../../../controlplane/src/audit/audit-event-builder';
import type { K8sAuditEvent } from '../../../../../controlplane/src/audit/k8s-audit-event';
import { as, asController, forbidden, ruleCases } from './k8s-rule-cases';

const allSecrets = (verb = 'list', stage = 'ResponseComplete'): K8sAuditEvent => ({ ...auditEvent({ verb, resource: 'secrets', stage, requestURI: `/api/v1/secrets?limit=500${verb === 'watch' ? '&watch=true' : ''}` }), objectRef: { resource: 'secrets', apiVersion: 'v1' } });

ruleCases('k8s-secrets-enumerated', {
  should: [
    ['a user lists every secret (Stratus Red Team: k8s.credential-access.dump-secrets)', allSecrets()],
    ['a stolen token watches them, judged when the watch opens', as(allSecrets('watch', 'ResponseStarted'), 'system:serviceaccount:shop:web', ['system:serviceaccounts', 'system:authenticated'])],
  ],
  shouldNot: [
    ['secrets of one namespace', auditEvent({ verb: 'list', resource: 'secrets', namespace: 'shop' })],
    ['one secret', auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'db' })],
    ['the garbage collector, which watches everything', asController(allSecrets('watch', 'ResponseStarted'), 'generic-garbage-collector')],
    ['the controller manager', as(allSecrets(), 'system:kube-controller-manager')],
    ['a forbidden attempt', forbidden(allSecrets())],
    ['a watch only received', allSecrets('watch', 'RequestReceived')],
  ],
});
