import { auditEvent } from '../../../../../controlplane/src/audit/audit-event-builder';
import { forbidden, ruleCases } from './k8s-rule-cases';

const exec = (stage: string, code: number, subresource = 'exec', verb = 'create') =>
  auditEvent({ verb, resource: 'pods', subresource, namespace: 'shop', name: 'web', code, stage, requestURI: `/api/v1/namespaces/shop/pods/web/${subresource}?command=sh&command=-c&command=id&container=web&stdin=true` });

ruleCases('k8s-pod-exec', {
  should: [
    ['exec, seen when it completes', exec('ResponseComplete', 101)],
    ['exec, seen only when its stream opened (ResponseStarted, 101)', exec('ResponseStarted', 101)],
    ['attach', exec('ResponseStarted', 101, 'attach')],
    ['exec over a websocket, which the API server logs as get', exec('ResponseStarted', 101, 'exec', 'get')],
  ],
  shouldNot: [
    ['a forbidden exec', forbidden(exec('ResponseComplete', 403))],
    ['logs', auditEvent({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'shop', name: 'web' })],
    ['an exec request only received', exec('RequestReceived', 0)],
    ['port-forward', exec('ResponseStarted', 101, 'portforward')],
  ],
});
