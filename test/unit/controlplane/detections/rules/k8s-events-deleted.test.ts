import { auditEvent } from '../../../../../controlplane/src/audit/audit-event-builder';
import { as, asAddOn, asController, forbidden, ruleCases } from './k8s-rule-cases';

ruleCases('k8s-events-deleted', {
  should: [
    ['a user deletes all events of a namespace', auditEvent({ verb: 'deletecollection', resource: 'events', namespace: 'shop' })],
    ['an add-on in kube-system deletes an event', asAddOn(auditEvent({ verb: 'delete', resource: 'events', namespace: 'shop', name: 'web.17a' }))],
  ],
  shouldNot: [
    ['a user lists events', auditEvent({ verb: 'list', resource: 'events', namespace: 'shop' })],
    ['the controller manager', as(auditEvent({ verb: 'delete', resource: 'events', namespace: 'shop', name: 'e' }), 'system:kube-controller-manager')],
    ['the namespace controller emptying a deleted namespace', asController(auditEvent({ verb: 'deletecollection', resource: 'events', namespace: 'gone' }), 'namespace-controller')],
    ['forbidden', forbidden(auditEvent({ verb: 'delete', resource: 'events', namespace: 'shop', name: 'e' }))],
  ],
});
