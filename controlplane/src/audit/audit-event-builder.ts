/**
 * Builds well-formed audit.k8s.io/v1 Events, for `vigil simulate --cluster`,
 * benchmarks and tests: the shape the API server writes at level
 * RequestResponse.
 */
import { randomUUID } from 'node:crypto';
import { AUDIT_API_VERSION, type K8sAuditEvent } from './k8s-audit-event';
import type { Json } from './k8s-objects';

export interface AuditEventSpec {
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  apiGroup?: string;
  username?: string;
  groups?: string[];
  code?: number;
  stage?: string;
  requestObject?: Json;
  responseObject?: Json;
  requestURI?: string;
  sourceIP?: string;
  decision?: 'allow' | 'forbid';
}

export function auditEvent(s: AuditEventSpec): K8sAuditEvent {
  const now = new Date().toISOString();
  const group = s.apiGroup ? `/apis/${s.apiGroup}/v1` : '/api/v1';
  const uri = s.requestURI ?? `${group}${s.namespace ? `/namespaces/${s.namespace}` : ''}/${s.resource}${s.name && s.verb !== 'create' ? `/${s.name}` : ''}${s.subresource ? `/${s.subresource}` : ''}`;
  const code = s.code ?? (s.verb === 'create' ? 201 : 200);
  return {
    kind: 'Event',
    apiVersion: AUDIT_API_VERSION,
    level: 'RequestResponse',
    auditID: randomUUID(),
    stage: s.stage ?? 'ResponseComplete',
    requestURI: uri,
    verb: s.verb,
    user: { username: s.username ?? 'alice@example.com', groups: s.groups ?? ['system:authenticated'] },
    sourceIPs: [s.sourceIP ?? '203.0.113.7'],
    userAgent: 'kubectl/v1.30.2 (linux/amd64)',
    objectRef: { resource: s.resource, subresource: s.subresource, namespace: s.namespace, name: s.name, apiGroup: s.apiGroup, apiVersion: 'v1' },
    responseStatus: { code, ...(code >= 400 ? { status: 'Failure', reason: 'Forbidden' } : {}) },
    requestObject: s.requestObject,
    responseObject: s.responseObject ?? (code < 300 ? s.requestObject : undefined),
    requestReceivedTimestamp: now,
    stageTimestamp: now,
    annotations: { 'authorization.k8s.io/decision': s.decision ?? (code === 403 ? 'forbid' : 'allow') },
  };
}

export function podSpec(containers: Json[], extra: Json = {}): Json {
  return { containers, ...extra };
}

export function container(name: string, image: string, securityContext?: Json): Json {
  return securityContext ? { name, image, securityContext } : { name, image };
}

/** A Pod create, or a workload whose template carries `spec`. */
export function createWorkload(kind: string, namespace: string, name: string, spec: Json, extra: Partial<AuditEventSpec> = {}): K8sAuditEvent {
  const template = { metadata: { labels: { app: name } }, spec };
  const body: Record<string, Json> = {
    Pod: { spec },
    Deployment: { spec: { replicas: 1, selector: { matchLabels: { app: name } }, template } },
    DaemonSet: { spec: { selector: { matchLabels: { app: name } }, template } },
    StatefulSet: { spec: { serviceName: name, selector: { matchLabels: { app: name } }, template } },
    ReplicaSet: { spec: { selector: { matchLabels: { app: name } }, template } },
    Job: { spec: { template } },
    CronJob: { spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template } } } },
  };
  const resource = `${kind.toLowerCase()}s`;
  const apiGroup = kind === 'Pod' ? undefined : kind === 'Job' || kind === 'CronJob' ? 'batch' : 'apps';
  const object = { kind, apiVersion: apiGroup ? `${apiGroup}/v1` : 'v1', metadata: { name, namespace, uid: randomUUID() }, ...body[kind] };
  return auditEvent({ verb: 'create', resource, namespace, name, apiGroup, requestObject: object, ...extra });
}

export function rbacObject(kind: 'ClusterRole' | 'Role' | 'ClusterRoleBinding' | 'RoleBinding', name: string, body: Json, namespace?: string): K8sAuditEvent {
  const resource = `${kind.toLowerCase()}s`;
  return auditEvent({
    verb: 'create',
    resource,
    apiGroup: 'rbac.authorization.k8s.io',
    namespace,
    name,
    requestObject: { kind, apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name, ...(namespace ? { namespace } : {}) }, ...body },
  });
}

/** One event per cluster rule that makes that rule fire; names carry `suffix` so reruns are new alerts. */
export function simulatedClusterAttacks(suffix: string): { ruleId: string; event: K8sAuditEvent }[] {
  const ns = 'vigil-simulate';
  return [
    {
      ruleId: 'k8s-exposed-dashboard',
      event: auditEvent({
        verb: 'create', resource: 'services', namespace: 'kubernetes-dashboard', name: `kubernetes-dashboard-${suffix}`,
        requestObject: { kind: 'Service', apiVersion: 'v1', metadata: { name: `kubernetes-dashboard-${suffix}`, labels: { 'k8s-app': 'kubernetes-dashboard' } }, spec: { type: 'LoadBalancer', selector: { 'k8s-app': 'kubernetes-dashboard' }, ports: [{ port: 443 }] } },
      }),
    },
    { ruleId: 'k8s-high-privileged-role', event: rbacObject('ClusterRole', `vigil-simulate-all-${suffix}`, { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }) },
    { ruleId: 'k8s-cluster-admin-binding', event: rbacObject('ClusterRoleBinding', `vigil-simulate-admin-${suffix}`, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns }] }) },
    { ruleId: 'k8s-sensitive-host-mount', event: createWorkload('Pod', ns, `hostpath-${suffix}`, podSpec([container('app', 'busybox:1.36')], { volumes: [{ name: 'root', hostPath: { path: '/' } }] })) },
    { ruleId: 'k8s-privileged-pod', event: createWorkload('DaemonSet', ns, `privileged-${suffix}`, podSpec([container('app', 'busybox:1.36', { privileged: true })])) },
    { ruleId: 'k8s-pod-exec', event: auditEvent({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: ns, name: `web-${suffix}`, code: 101, stage: 'ResponseStarted', requestURI: `/api/v1/namespaces/${ns}/pods/web-${suffix}/exec?command=sh&stdin=true&tty=true` }) },
    { ruleId: 'k8s-kube-system-untrusted-image', event: createWorkload('Pod', 'kube-system', `kube-helper-${suffix}`, podSpec([container('helper', 'evil.example.com/miner:latest')])) },
    { ruleId: 'k8s-host-namespaces-pod', event: createWorkload('Deployment', ns, `hostnet-${suffix}`, podSpec([container('app', 'busybox:1.36')], { hostNetwork: true, hostPID: true })) },
    { ruleId: 'k8s-anonymous-request-allowed', event: auditEvent({ verb: 'list', resource: 'secrets', namespace: `${ns}-${suffix}`, username: 'system:anonymous', groups: ['system:unauthenticated'], requestURI: `/api/v1/namespaces/${ns}-${suffix}/secrets` }) },
    { ruleId: 'k8s-events-deleted', event: auditEvent({ verb: 'deletecollection', resource: 'events', namespace: `${ns}-${suffix}` }) },
    { ruleId: 'k8s-service-account-token', event: auditEvent({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: ns, name: `builder-${suffix}` }) },
    {
      ruleId: 'k8s-exposed-sensitive-service',
      event: auditEvent({ verb: 'create', resource: 'services', namespace: ns, name: `redis-${suffix}`, requestObject: { kind: 'Service', apiVersion: 'v1', metadata: { name: `redis-${suffix}` }, spec: { type: 'LoadBalancer', selector: { app: 'cache' }, ports: [{ port: 6379 }] } } }),
    },
    { ruleId: 'k8s-dangerous-capabilities', event: createWorkload('Pod', ns, `caps-${suffix}`, podSpec([container('app', 'busybox:1.36', { capabilities: { add: ['SYS_ADMIN'] } })])) },
    {
      ruleId: 'k8s-configmap-credentials',
      event: auditEvent({ verb: 'create', resource: 'configmaps', namespace: ns, name: `app-config-${suffix}`, requestObject: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: `app-config-${suffix}` }, data: { DB_PASSWORD: `vigil-simulate-${suffix}` } } }),
    },
    { ruleId: 'k8s-system-rbac-modified', event: rbacObject('ClusterRole', `system:vigil-simulate-${suffix}`, { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] }) },
    {
      ruleId: 'k8s-admission-webhook-changed',
      event: auditEvent({
        verb: 'create', resource: 'mutatingwebhookconfigurations', apiGroup: 'admissionregistration.k8s.io', name: `vigil-simulate-${suffix}`,
        requestObject: { kind: 'MutatingWebhookConfiguration', apiVersion: 'admissionregistration.k8s.io/v1', metadata: { name: `vigil-simulate-${suffix}` }, webhooks: [{ name: 'inject.example.com', clientConfig: { url: 'https://203.0.113.9/mutate' } }] },
      }),
    },
    { ruleId: 'k8s-secrets-enumerated', event: auditEvent({ verb: 'list', resource: 'secrets', username: `vigil-simulate-${suffix}@example.com`, requestURI: '/api/v1/secrets?limit=500' }) },
    { ruleId: 'k8s-coredns-config-changed', event: auditEvent({ verb: 'patch', resource: 'configmaps', namespace: 'kube-system', name: 'coredns', username: `vigil-simulate-${suffix}@example.com` }) },
    { ruleId: 'k8s-malicious-image', event: createWorkload('Pod', ns, `miner-${suffix}`, podSpec([container('miner', 'xmrig/xmrig:latest')])) },
    { ruleId: 'k8s-kube-system-service-account', event: auditEvent({ verb: 'create', resource: 'serviceaccounts', namespace: 'kube-system', name: `vigil-simulate-${suffix}`, requestObject: { kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: `vigil-simulate-${suffix}`, namespace: 'kube-system' } } }) },
  ];
}
