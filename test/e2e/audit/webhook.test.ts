import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auditEvent, container, createWorkload, podSpec, simulatedClusterAttacks } from '../../../controlplane/src/audit/audit-event-builder';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';
import { subscribeAlerts } from '../../helpers/grpc-clients';
import { makeTestPki, type TestPki } from '../../helpers/test-pki';
import { runVigil } from '../../helpers/vigil-cli';
import { eventList as list, post } from './webhook-client';

describe('audit webhook over real HTTPS', { timeout: 60_000 }, () => {
  let cp: TestControlPlane;
  let pki: TestPki;
  let port: number;
  const stored = () => cp.query<{ n: number }>('SELECT count(*) AS n FROM audit_events')[0].n;

  before(async () => {
    pki = makeTestPki();
    cp = await startTestControlPlane({ tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, auditWebhook: '127.0.0.1:0', auditMaxBodyBytes: 256 * 1024 });
    port = cp.auditWebhookPort!;
  });
  after(() => cp.stop());

  test('an EventList with a privileged pod: 200 after commit, stored, alerted with the pod named', async () => {
    const sub = subscribeAlerts(cp.target, cp.token, { after_id: '0', filter: { rule_ids: ['k8s-privileged-pod'] } });
    const create = createWorkload('Pod', 'shop', 'miner', podSpec([container('m', 'x', { privileged: true })]));
    const reply = await post(port, list(create, auditEvent({ verb: 'get', resource: 'pods', namespace: 'shop', name: 'miner' })), { token: cp.token, ca: pki.ca });
    assert.deepEqual(reply, { status: 200, body: { stored: 2, duplicates: 0, skipped: 0, alerts: 1 } });
    const [alert] = await sub.waitFor(1);
    sub.close();
    assert.equal(alert.namespace, 'shop');
    assert.equal(alert.pod, 'miner');
    assert.equal(alert.node_name, 'kubernetes');
    assert.equal(alert.mitre?.id, 'T1610');
    assert.equal(alert.evidence?.audit?.audit_id, create.auditID);
    assert.equal(stored(), 2);
  });

  test('a retried post is stored once and raises nothing new', async () => {
    const e = createWorkload('Pod', 'shop', 'retry', podSpec([container('m', 'x', { privileged: true })]));
    const first = await post(port, list(e), { token: cp.token, ca: pki.ca });
    const again = await post(port, list(e), { token: cp.token, ca: pki.ca });
    assert.deepEqual(first.body, { stored: 1, duplicates: 0, skipped: 0, alerts: 1 });
    assert.deepEqual(again.body, { stored: 0, duplicates: 1, skipped: 0, alerts: 0 });
  });

  test('the API server\'s client certificate is enough; no credentials, or a wrong token, get 401', async () => {
    const withCert = await post(port, list(auditEvent({ verb: 'get', resource: 'pods' })), { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
    assert.equal(withCert.status, 200);
    const before = stored();
    const none = await post(port, list(auditEvent({ verb: 'get', resource: 'pods' })), { ca: pki.ca });
    const wrong = await post(port, list(auditEvent({ verb: 'get', resource: 'pods' })), { ca: pki.ca, token: 'x'.repeat(64) });
    assert.equal(none.status, 401);
    assert.equal(wrong.status, 401);
    assert.match(none.body.error ?? '', /missing or invalid credentials/);
    assert.equal(stored(), before, 'nothing stored for unauthenticated posts');
  });

  test('malformed JSON, another kind, an item that is no audit event: 400 with the reason, kept as gaps, nothing stored', async () => {
    const before = stored();
    const gaps = () => cp.query<{ n: number }>('SELECT count(*) AS n FROM audit_gaps')[0].n;
    const gapsBefore = gaps();
    const bad = [
      ['{"kind": "EventList", "items": [', /body line 1 is not JSON/],
      [JSON.stringify({ kind: 'PodList', apiVersion: 'v1', items: [] }), /body has kind "PodList": not an audit Event/],
      [list({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'x' }), /body item 0 has no verb, objectRef or requestURI/],
    ] as const;
    for (const [body, why] of bad) {
      const r = await post(port, body, { token: cp.token, ca: pki.ca });
      assert.equal(r.status, 400, body);
      assert.match(r.body.error ?? '', why);
      assert.match(r.body.error ?? '', /0 other events were stored/);
    }
    assert.equal(stored(), before);
    assert.equal(gaps(), gapsBefore + bad.length);
  });

  test('oversize body 413, wrong method 405, wrong content type 415, unknown path 404', async () => {
    const big = list(...Array.from({ length: 400 }, () => auditEvent({ verb: 'get', resource: 'pods', requestObject: { pad: 'x'.repeat(1000) } })));
    assert.equal((await post(port, big, { token: cp.token, ca: pki.ca })).status, 413);
    assert.equal((await post(port, '', { token: cp.token, ca: pki.ca, method: 'PUT' })).status, 405);
    assert.equal((await post(port, list(), { token: cp.token, ca: pki.ca, type: 'text/plain' })).status, 415);
    assert.equal((await post(port, list(), { token: cp.token, ca: pki.ca, path: '/other' })).status, 404);
  });

  test('AKS diagnostic records are accepted too', async () => {
    const inner = auditEvent({ verb: 'deletecollection', resource: 'events', namespace: 'aks-ns' });
    const r = await post(port, JSON.stringify({ records: [{ category: 'kube-audit', properties: { log: JSON.stringify(inner) } }] }), { token: cp.token, ca: pki.ca });
    assert.equal(r.status, 200);
    assert.equal(r.body.alerts, 1);
  });

  test('vigil audit lists stored events; vigil simulate --cluster reports every rule alerted', async () => {
    const audit = await runVigil(['audit', '--data-dir', cp.dataDir, '--resource', 'pods', '--json', '-n', '100']);
    assert.equal(audit.code, 0, audit.stderr);
    assert.ok(audit.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).some((r) => r.name === 'miner' && r.verb === 'create'));
    const sim = await runVigil(['simulate', '--cluster', '--json', '--data-dir', cp.dataDir, '--webhook', `https://localhost:${port}`, '--webhook-ca', pki.ca]);
    assert.equal(sim.code, 0, sim.stdout + sim.stderr);
    const outcomes = sim.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(outcomes.length, simulatedClusterAttacks('x').length);
    assert.deepEqual(outcomes.filter((o) => !o.alerted), []);
    // The server's own certificate is not the CA that signed it: the webhook answered, so the hint is about the CA, not the flag.
    const wrongCa = await runVigil(['simulate', '--cluster', '--data-dir', cp.dataDir, '--webhook', `https://localhost:${port}`, '--webhook-ca', pki.serverCert]);
    assert.equal(wrongCa.code, 1);
    assert.match(wrongCa.stderr, /give --webhook-ca the CA that signed the webhook's certificate/);
  });
});
