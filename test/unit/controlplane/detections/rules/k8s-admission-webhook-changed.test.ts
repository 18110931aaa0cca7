import { auditEvent } from '../../../../../controlplane/src/audit/audit-event-builder';
import { forbidden, ruleCases } from './k8s-rule-cases';

const admission = (verb: string, resource: string, name: string, requestObject?: Record<string, unknown>) => auditEvent({ verb, resource, apiGroup: 'admissionregistration.k8s.io', name, requestObject });

ruleCases('k8s-admission-webhook-changed', {
  should: [
    [
      'a mutating webhook sending pods to an outside URL',
      admission('create', 'mutatingwebhookconfigurations', 'sidecar-injector', { kind: 'MutatingWebhookConfiguration', metadata: { name: 'sidecar-injector' }, webhooks: [{ name: 'inject.example.com', clientConfig: { url: 'https://203.0.113.9/mutate' }, rules: [{ operations: ['CREATE'], resources: ['pods'] }] }] }),
    ],
    ['Gatekeeper\'s validating webhook deleted', admission('delete', 'validatingwebhookconfigurations', 'gatekeeper-validating-webhook-configuration')],
    ['an admission policy binding patched', admission('patch', 'validatingadmissionpolicybindings', 'restrict-host-path')],
  ],
  shouldNot: [
    ['a list of webhook configurations', admission('list', 'mutatingwebhookconfigurations', '')],
    ['a forbidden delete', forbidden(admission('delete', 'validatingwebhookconfigurations', 'gatekeeper-validating-webhook-configuration'))],
    ['an unrelated object of the same group', admission('create', 'validatingadmissionpolicystatuses', 'x')],
  ],
});
