/**
 * Should/should-not cases for every cluster rule: each positive has a
 * close-but-benign twin that must stay quiet.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditEvent, container, createWorkload, podSpec, rbacObject, simulatedClusterAttacks } from '../../../../../controlplane/src/audit/audit-event-builder';
import type { K8sAuditEvent } from '../../../../../controlplane/src/audit/k8s-audit-event';
import { toAuditRecord } from '../../../../../controlplane/src/audit/to-audit-record';
import { RULES } from '../../../../../controlplane/src/detections/rules';
import type { AuditRule } from '../../../../../controlplane/src/detections/rule';

const rule = (id: string) => RULES.find((r) => r.id === id) as AuditRule;
const fires = (id: string, e: K8sAuditEvent) => rule(id).match(e, toAuditRecord(e));
const tokenVolume = (audience: string) => ({ name: 'token', projected: { sources: [{ serviceAccountToken: audience ? { audience, path: 'token' } : { path: 'token' } }] } });
const failed = (e: K8sAuditEvent): K8sAuditEvent => ({ ...e, responseStatus: { code: 403, status: 'Failure' }, responseObject: undefined });

const cases: Record<string, { should: [string, K8sAuditEvent][]; shouldNot: [string, K8sAuditEvent][] }> = {
  'k8s-exposed-dashboard': {
    should: [
      ['NodePort service', auditEvent({ verb: 'create', resource: 'services', namespace: 'kubernetes-dashboard', name: 'kubernetes-dashboard', requestObject: { kind: 'Service', metadata: { name: 'kubernetes-dashboard' }, spec: { type: 'NodePort', selector: { 'k8s-app': 'kubernetes-dashboard' } } } })],
      ['ingress', auditEvent({ verb: 'create', resource: 'ingresses', apiGroup: 'networking.k8s.io', namespace: 'kubernetes-dashboard', name: 'dash', requestObject: { kind: 'Ingress', metadata: { name: 'dash' }, spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 'kubernetes-dashboard', port: { number: 443 } } } }] } }] } } })],
      ['dashboard SA bound to cluster-admin', rbacObject('ClusterRoleBinding', 'dash-admin', { roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'kubernetes-dashboard', namespace: 'kubernetes-dashboard' }] })],
    ],
    shouldNot: [
      ['ClusterIP service', auditEvent({ verb: 'create', resource: 'services', namespace: 'kubernetes-dashboard', name: 'kubernetes-dashboard', requestObject: { kind: 'Service', metadata: { name: 'kubernetes-dashboard' }, spec: { type: 'ClusterIP' } } })],
      ['LoadBalancer for another app', auditEvent({ verb: 'create', resource: 'services', namespace: 'shop', name: 'web', requestObject: { kind: 'Service', metadata: { name: 'web' }, spec: { type: 'LoadBalancer', selector: { app: 'web' } } } })],
      ['failed create', failed(auditEvent({ verb: 'create', resource: 'services', namespace: 'kubernetes-dashboard', name: 'kubernetes-dashboard', requestObject: { kind: 'Service', metadata: { name: 'kubernetes-dashboard' }, spec: { type: 'NodePort' } } }))],
    ],
  },
  'k8s-high-privileged-role': {
    should: [
      ['wildcard verbs', rbacObject('ClusterRole', 'ops', { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }] })],
      ['escalate', rbacObject('Role', 'x', { rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] }] }, 'shop')],
      ['impersonate', rbacObject('ClusterRole', 'imp', { rules: [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }] })],
      ['secrets read cluster-wide', rbacObject('ClusterRole', 'reader', { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] })],
    ],
    shouldNot: [
      ['explicit verbs', rbacObject('ClusterRole', 'viewer', { rules: [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list', 'watch'] }] })],
      ['secrets read in one namespace', rbacObject('Role', 'app-secrets', { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] }, 'shop')],
      ['bootstrap by the API server', { ...rbacObject('ClusterRole', 'cluster-admin', { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }), user: { username: 'system:apiserver' } }],
      ['failed create', failed(rbacObject('ClusterRole', 'ops', { rules: [{ resources: ['*'], verbs: ['*'] }] }))],
    ],
  },
  'k8s-cluster-admin-binding': {
    should: [['ClusterRoleBinding to a user', rbacObject('ClusterRoleBinding', 'mallory-admin', { roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'mallory' }] })]],
    shouldNot: [
      ['binding to view', rbacObject('ClusterRoleBinding', 'viewers', { roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'devs' }] })],
      ['failed create', failed(rbacObject('ClusterRoleBinding', 'm', { roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [] }))],
    ],
  },
  'k8s-sensitive-host-mount': {
    should: [
      ['hostPath /', createWorkload('Pod', 'shop', 'p', podSpec([container('a', 'nginx')], { volumes: [{ name: 'r', hostPath: { path: '/' } }] }))],
      ['docker socket in a CronJob template', createWorkload('CronJob', 'shop', 'c', podSpec([container('a', 'docker')], { volumes: [{ name: 's', hostPath: { path: '/var/run/docker.sock' } }] }))],
      ['kubelet state in a StatefulSet', createWorkload('StatefulSet', 'shop', 's', podSpec([container('a', 'x')], { volumes: [{ name: 'k', hostPath: { path: '/var/lib/kubelet/pods/' } }] }))],
      ['/etc/kubernetes/pki', createWorkload('Job', 'shop', 'j', podSpec([container('a', 'x')], { volumes: [{ name: 'k', hostPath: { path: '/etc/kubernetes/pki' } }] }))],
    ],
    shouldNot: [
      ['hostPath /var/log', createWorkload('DaemonSet', 'logging', 'fluent', podSpec([container('a', 'fluent-bit')], { volumes: [{ name: 'l', hostPath: { path: '/var/log' } }] }))],
      ['a look-alike path', createWorkload('Pod', 'shop', 'p', podSpec([container('a', 'x')], { volumes: [{ name: 'l', hostPath: { path: '/etcetera' } }] }))],
      ['failed create', failed(createWorkload('Pod', 'shop', 'p', podSpec([container('a', 'x')], { volumes: [{ name: 'r', hostPath: { path: '/' } }] })))],
    ],
  },
  'k8s-privileged-pod': {
    should: [
      ['privileged Pod', createWorkload('Pod', 'shop', 'p', podSpec([container('a', 'x', { privileged: true })]))],
      ['privileged init container in a Deployment', createWorkload('Deployment', 'shop', 'd', podSpec([container('a', 'x')], { initContainers: [container('init', 'x', { privileged: true })] }))],
      ['privileged CronJob', createWorkload('CronJob', 'shop', 'c', podSpec([container('a', 'x', { privileged: true })]))],
    ],
    shouldNot: [
      ['privileged: false', createWorkload('Pod', 'shop', 'p', podSpec([container('a', 'x', { privileged: false })]))],
      ['failed create', failed(createWorkload('Pod', 'shop', 'p', podSpec([container('a', 'x', { privileged: true })])))],
      [
        'ControllerRevision carrying a privileged template',
        auditEvent({ verb: 'update', resource: 'controllerrevisions', apiGroup: 'apps', namespace: 'kube-system', name: 'kube-proxy-1', requestObject: { kind: 'ControllerRevision', data: { spec: { template: { spec: podSpec([container('p', 'x', { privileged: true })]) } } } } }),
      ],
      ['a read of a privileged pod', { ...createWorkload('Pod', 'shop', 'p', podSpec([container('a', 'x', { privileged: true })])), verb: 'get' }],
    ],
  },
  'k8s-pod-exec': {
    should: [['exec', auditEvent({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web', code: 101, requestURI: '/api/v1/namespaces/shop/pods/web/exec?command=sh&command=-c&command=id' })]],
    shouldNot: [
      ['forbidden exec', auditEvent({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web', code: 403 })],
      ['logs', auditEvent({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'shop', name: 'web' })],
      ['exec request received only', auditEvent({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web', stage: 'RequestReceived' })],
    ],
  },
  'k8s-kube-system-untrusted-image': {
    should: [['unknown registry in kube-system', createWorkload('DaemonSet', 'kube-system', 'helper', podSpec([container('a', 'docker.io/attacker/xmrig:latest')]))]],
    shouldNot: [
      ['registry.k8s.io in kube-system', createWorkload('Pod', 'kube-system', 'coredns', podSpec([container('a', 'registry.k8s.io/coredns/coredns:v1.11.1')]))],
      ['unknown registry elsewhere', createWorkload('Pod', 'shop', 'web', podSpec([container('a', 'docker.io/attacker/xmrig:latest')]))],
    ],
  },
  'k8s-host-namespaces-pod': {
    should: [['hostPID', createWorkload('Pod', 'shop', 'p', podSpec([container('a', 'x')], { hostPID: true }))]],
    shouldNot: [['hostNetwork false', createWorkload('Pod', 'shop', 'p', podSpec([container('a', 'x')], { hostNetwork: false }))]],
  },
  'k8s-anonymous-request-allowed': {
    should: [['anonymous list of secrets allowed', auditEvent({ verb: 'list', resource: 'secrets', namespace: 'default', username: 'system:anonymous', requestURI: '/api/v1/namespaces/default/secrets' })]],
    shouldNot: [
      ['anonymous forbidden', auditEvent({ verb: 'list', resource: 'secrets', username: 'system:anonymous', code: 403 })],
      ['anonymous health check', auditEvent({ verb: 'get', resource: '', username: 'system:anonymous', requestURI: '/healthz' })],
      ['an authenticated user', auditEvent({ verb: 'list', resource: 'secrets', username: 'alice' })],
    ],
  },
  'k8s-events-deleted': {
    should: [['a user deletes events', auditEvent({ verb: 'deletecollection', resource: 'events', namespace: 'shop' })]],
    shouldNot: [
      ['a user lists events', auditEvent({ verb: 'list', resource: 'events', namespace: 'shop' })],
      ['a control-plane component', auditEvent({ verb: 'delete', resource: 'events', namespace: 'shop', name: 'e', username: 'system:kube-controller-manager' })],
      ['forbidden', auditEvent({ verb: 'delete', resource: 'events', namespace: 'shop', name: 'e', code: 403 })],
    ],
  },
  'k8s-service-account-token': {
    should: [
      ['a user requests a token', auditEvent({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'shop', name: 'deployer' })],
      ['a user creates a token secret', auditEvent({ verb: 'create', resource: 'secrets', namespace: 'shop', name: 't', requestObject: { kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 't', annotations: { 'kubernetes.io/service-account.name': 'deployer' } } } })],
      ['a user projects a token into a deployment', createWorkload('Deployment', 'shop', 'relay', podSpec([container('relay', 'busybox')], { serviceAccountName: 'deployer', volumes: [tokenVolume('vault')] }))],
    ],
    shouldNot: [
      ['the kubelet requests a token', auditEvent({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'shop', name: 'web', username: 'system:node:worker-1' })],
      ['an opaque secret', auditEvent({ verb: 'create', resource: 'secrets', namespace: 'shop', name: 'db', requestObject: { kind: 'Secret', type: 'Opaque', metadata: { name: 'db' } } })],
      ['the token admission adds, seen in the response', { ...createWorkload('Pod', 'shop', 'web', podSpec([container('web', 'nginx')])), responseObject: { kind: 'Pod', metadata: { name: 'web', namespace: 'shop' }, spec: podSpec([container('web', 'nginx')], { volumes: [{ ...tokenVolume(''), name: 'kube-api-access-x1' }] }) } }],
      ['the ReplicaSet controller creating the pods of such a deployment', createWorkload('Pod', 'shop', 'relay-abc', podSpec([container('relay', 'busybox')], { volumes: [tokenVolume('vault')] }), { username: 'system:serviceaccount:kube-system:replicaset-controller' })],
      ['a failed create', failed(createWorkload('Pod', 'shop', 'relay', podSpec([container('relay', 'busybox')], { volumes: [tokenVolume('vault')] })))],
    ],
  },
};

describe('cluster rules', () => {
  for (const [id, c] of Object.entries(cases)) {
    test(`${id}: should trigger`, () => {
      for (const [why, e] of c.should) assert.ok(fires(id, e), why);
    });
    test(`${id}: should not trigger`, () => {
      for (const [why, e] of c.shouldNot) assert.equal(fires(id, e), null, why);
    });
  }

  test('every cluster rule has cases and a simulated attack that fires it and only it among its peers', () => {
    const auditRules = RULES.filter((r) => r.sources.includes('k8s_audit' as never));
    assert.deepEqual(auditRules.map((r) => r.id).sort(), Object.keys(cases).sort());
    for (const { ruleId, event } of simulatedClusterAttacks('t')) assert.ok(fires(ruleId, event), `simulated attack for ${ruleId}`);
  });

  test('pod rules point at the pod: namespace, name and uid', () => {
    const e = createWorkload('Pod', 'shop', 'web-1', podSpec([container('a', 'x', { privileged: true })]));
    const f = fires('k8s-privileged-pod', e)!;
    assert.equal(f.namespace, 'shop');
    assert.equal(f.pod, 'web-1');
    assert.match(f.podUid ?? '', /^[0-9a-f-]{36}$/);
  });
});
