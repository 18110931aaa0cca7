import { auditEvent } from '../../../../../controlplane/src/audit/audit-event-builder';
import { forbidden, ruleCases } from './k8s-rule-cases';

const anonymous = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

ruleCases('k8s-anonymous-request-allowed', {
  should: [
    ['an anonymous list of secrets, allowed', auditEvent({ verb: 'list', resource: 'secrets', namespace: 'default', ...anonymous, requestURI: '/api/v1/namespaces/default/secrets' })],
    ['an anonymous exec, judged when its stream opens', auditEvent({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web', code: 101, stage: 'ResponseStarted', ...anonymous })],
  ],
  shouldNot: [
    ['anonymous, forbidden', forbidden(auditEvent({ verb: 'list', resource: 'secrets', ...anonymous }))],
    ['an anonymous health check', auditEvent({ verb: 'get', resource: '', ...anonymous, requestURI: '/healthz' })],
    ['an authenticated user', auditEvent({ verb: 'list', resource: 'secrets', username: 'alice' })],
  ],
});
