import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditEvent, container, createWorkload, podSpec } from '../../../../../controlplane/src/audit/audit-event-builder';
import { debugContainer, forbidden, judge, replica, ruleCases } from './k8s-rule-cases';

const privileged = { privileged: true };

ruleCases('k8s-privileged-pod', {
  should: [
    ['a privileged Pod (Stratus Red Team: k8s.privilege-escalation.privileged-pod)', createWorkload('Pod', 'shop', 'p', podSpec([container('a', 'x', privileged)]))],
    ['a privileged init container in a Deployment', createWorkload('Deployment', 'shop', 'd', podSpec([container('a', 'x')], { initContainers: [container('init', 'x', privileged)] }))],
    ['a privileged CronJob', createWorkload('CronJob', 'shop', 'c', podSpec([container('a', 'x', privileged)]))],
    ['a privileged ephemeral container (kubectl debug --profile=sysadmin)', debugContainer(privileged)],
    ['a Windows HostProcess pod', createWorkload('Pod', 'win', 'hp', podSpec([container('a', 'mcr.microsoft.com/windows/nanoserver:ltsc2022')], { securityContext: { windowsOptions: { hostProcess: true } }, hostNetwork: true }))],
  ],
  shouldNot: [
    ['privileged: false', createWorkload('Pod', 'shop', 'p', podSpec([container('a', 'x', { privileged: false })]))],
    ['a failed create', forbidden(createWorkload('Pod', 'shop', 'p', podSpec([container('a', 'x', privileged)])))],
    ['a ControllerRevision carrying a privileged template', auditEvent({ verb: 'update', resource: 'controllerrevisions', apiGroup: 'apps', namespace: 'kube-system', name: 'kube-proxy-1', requestObject: { kind: 'ControllerRevision', data: { spec: { template: { spec: podSpec([container('p', 'x', privileged)]) } } } } })],
    ['a read of a privileged pod', { ...createWorkload('Pod', 'shop', 'p', podSpec([container('a', 'x', privileged)])), verb: 'get' }],
    ['the replicas the ReplicaSet controller makes (the workload was judged)', replica(podSpec([container('a', 'x', privileged)]))],
    ['an unprivileged debug container', debugContainer(undefined)],
  ],
});

test('k8s-privileged-pod points at the pod: namespace, name and uid; its subject is the privileged containers', () => {
  const e = createWorkload('Pod', 'shop', 'web-1', podSpec([container('a', 'x', privileged), container('b', 'y')]));
  (e.requestObject as { metadata: object }).metadata = { name: 'web-1', namespace: 'shop', uid: 'f0c5d9b8-3f1e-4c4a-9d3e-0c1b2a3d4e5f', labels: { app: 'web' } };
  const f = judge('k8s-privileged-pod', e)!;
  assert.deepEqual([f.namespace, f.pod, f.podUid], ['shop', 'web-1', 'f0c5d9b8-3f1e-4c4a-9d3e-0c1b2a3d4e5f']);
  assert.deepEqual(f.subject, { images: ['x'], labels: { app: 'web' }, containers: ['a'], name: 'web-1' });
  assert.match(judge('k8s-privileged-pod', debugContainer(privileged))!.summary, /patched an ephemeral container in Pod shop\/web-0 with privileged container debugger-x1/);
});
