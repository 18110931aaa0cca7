/**
 * When cluster findings become alerts: long-running requests at the stage
 * they first appear, once per request; merges only of the same finding about
 * the same object, with every merged audit ID kept.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { auditEvent, container, createWorkload, podSpec, rbacObject } from '../../../controlplane/src/audit/audit-event-builder';
import type { K8sAuditEvent } from '../../../controlplane/src/audit/k8s-audit-event';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';
import { makeTestPki, type TestPki } from '../../helpers/test-pki';
import { eventList, listAlerts, post } from './webhook-client';

const exec = (stage: string, auditID: string, command: string): K8sAuditEvent => ({
  ...auditEvent({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web-0', code: 101, stage, requestURI: `/api/v1/namespaces/shop/pods/web-0/exec?command=${command}&stdin=true&tty=true` }),
  auditID,
});

/** A pod the ReplicaSet controller creates: generateName, so objectRef has no name; Request level, so no response. */
function replica(rsUid: string, username: string): K8sAuditEvent {
  const requestObject = {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { generateName: 'web-7d9f8-', namespace: 'shop', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f8', uid: rsUid, controller: true }] },
    spec: podSpec([container('web', 'registry.example.com/web:1', { privileged: true })]),
  };
  return { ...auditEvent({ verb: 'create', resource: 'pods', namespace: 'shop', username, requestObject }), level: 'Request', responseObject: undefined };
}

describe('cluster alert semantics', { timeout: 60_000 }, () => {
  let cp: TestControlPlane;
  let pki: TestPki;
  let port: number;
  const send = async (...items: K8sAuditEvent[]) => {
    const r = await post(port, eventList(...items), { token: cp.token, ca: pki.ca });
    assert.equal(r.status, 200, r.body.error);
    return r.body;
  };

  before(async () => {
    pki = makeTestPki();
    cp = await startTestControlPlane({ tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, auditWebhook: '127.0.0.1:0' });
    port = cp.auditWebhookPort!;
  });
  after(() => cp.stop());

  test('kubectl exec seen only at ResponseStarted (101) alerts; its later ResponseComplete does not alert again', async () => {
    const id = randomUUID();
    assert.equal((await send(exec('ResponseStarted', id, 'sh'))).alerts, 1);
    assert.equal((await send(exec('ResponseComplete', id, 'sh'))).alerts, 0);
    const alerts = (await listAlerts(cp, 'k8s-pod-exec')).filter((a) => a.evidence?.audit?.audit_id === id);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].count, 1, 'the second stage is the same request, not a repeat');
    assert.deepEqual(alerts[0].audit_ids, [id]);
  });

  test('a second exec session with the same command merges and keeps both audit IDs; another command is its own alert', async () => {
    const [a, b, c]: string[] = [randomUUID(), randomUUID(), randomUUID()];
    await send(exec('ResponseStarted', a, 'bash'), exec('ResponseStarted', b, 'bash'), exec('ResponseStarted', c, 'cat'));
    const alerts = (await listAlerts(cp, 'k8s-pod-exec')).filter((x) => [a, b, c].includes(x.evidence?.audit?.audit_id ?? ''));
    assert.equal(alerts.length, 2);
    const bash = alerts.find((x) => x.evidence?.audit?.audit_id === a)!;
    assert.equal(bash.count, 2);
    assert.deepEqual(bash.audit_ids, [a, b]);
  });

  test('one alert per workload: the pods and ReplicaSet its controllers make add nothing; pods a user creates by generateName are two alerts', async () => {
    const deployment = createWorkload('Deployment', 'shop', 'web', podSpec([container('web', 'registry.example.com/web:1', { privileged: true })]));
    const rs = { ...createWorkload('ReplicaSet', 'shop', 'web-7d9f8', podSpec([container('web', 'registry.example.com/web:1', { privileged: true })])), user: { username: 'system:serviceaccount:kube-system:deployment-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] } };
    const rsMeta = (rs.requestObject as { metadata: Record<string, unknown> }).metadata;
    rsMeta.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: (deployment.requestObject as { metadata: { uid: string } }).metadata.uid, controller: true }];
    const controller = 'system:serviceaccount:kube-system:replicaset-controller';
    const rsUid = rsMeta.uid as string;
    const r = await send(deployment, rs, replica(rsUid, controller), replica(rsUid, controller));
    assert.equal(r.alerts, 1);
    const before = (await listAlerts(cp, 'k8s-privileged-pod')).length;
    await send(replica(randomUUID(), 'mallory'), replica(randomUUID(), 'mallory'));
    assert.equal((await listAlerts(cp, 'k8s-privileged-pod')).length, before + 2, 'two pods, two findings');
  });

  test('a second role under the same name with other rules is a new alert; a repeat of the same role merges', async () => {
    const first = rbacObject('ClusterRole', 'ops', { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] });
    const other = rbacObject('ClusterRole', 'ops', { rules: [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }] });
    const repeat = rbacObject('ClusterRole', 'ops', { rules: [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }] });
    await send(first, other, repeat);
    const alerts = (await listAlerts(cp, 'k8s-high-privileged-role')).filter((a) => a.summary.includes('ClusterRole ops'));
    assert.equal(alerts.length, 2);
    const merged = alerts.find((a) => a.count === 2)!;
    assert.deepEqual(merged.audit_ids, [other.auditID, repeat.auditID]);
  });
});
