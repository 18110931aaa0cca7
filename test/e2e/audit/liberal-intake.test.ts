/**
 * Audit input the way real pipelines deliver it, through the real HTTPS
 * webhook and a real log file: older API versions, fields dropped or of the
 * wrong type, lines too long. Nothing valid is lost, nothing bad loops.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { auditEvent } from '../../../controlplane/src/audit/audit-event-builder';
import type { AuditRecord__Output } from '../../../proto/generated/vigil/v1/AuditRecord';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';
import { makeTestPki, type TestPki } from '../../helpers/test-pki';
import { tempDir } from '../../helpers/temp-dir';
import { eventList, post } from './webhook-client';

/** Re-typed in the shape of liggitt/audit2rbac testdata/demo.log: `timestamp` only, as v1alpha1 wrote it. */
const timestampOnly = (auditID: string) => ({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1alpha1',
  metadata: { creationTimestamp: '2017-09-11T19:58:37Z' },
  level: 'Metadata',
  timestamp: '2017-09-11T19:58:37Z',
  auditID,
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/default/pods?includeUninitialized=true',
  verb: 'list',
  user: { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] },
  impersonatedUser: { username: 'bob', groups: ['system:authenticated'] },
  sourceIPs: ['::1'],
  objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' },
  responseStatus: { metadata: {}, code: 200 },
});

/** A detection-content export: no auditID, stage, apiVersion or timestamps (shape of Stratus Red Team's "dump secrets" sample). */
const exported = () => ({ kind: 'Event', level: 'Metadata', requestURI: '/api/v1/secrets?limit=500', verb: 'list', user: { username: 'mallory' }, objectRef: { resource: 'secrets', apiVersion: 'v1' }, responseStatus: { code: 200 } });

describe('liberal audit intake', { timeout: 60_000 }, () => {
  let cp: TestControlPlane;
  let pki: TestPki;
  let port: number;
  const records = (where = '1=1') => cp.query<{ record: string; ts_us: number }>(`SELECT record, ts_us FROM audit_events WHERE ${where} ORDER BY id`).map((r) => ({ ...(JSON.parse(r.record) as AuditRecord__Output), ts_us: r.ts_us }));
  const send = (body: string) => post(port, body, { token: cp.token, ca: pki.ca });

  before(async () => {
    pki = makeTestPki();
    cp = await startTestControlPlane({ tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, auditWebhook: '127.0.0.1:0' });
    port = cp.auditWebhookPort!;
  });
  after(() => cp.stop());

  test('an event with only the v1alpha1 `timestamp` is stored at that time, and the record says which field gave it', async () => {
    const r = await send(JSON.stringify(timestampOnly('719a5b90-e21b-44a2-94ec-67e16493dad6')));
    assert.equal(r.status, 200, r.body.error);
    const [rec] = records("audit_id = '719a5b90-e21b-44a2-94ec-67e16493dad6'");
    assert.equal(rec.ts_us, Date.parse('2017-09-11T19:58:37Z') * 1000);
    assert.equal(rec.time_source, 'timestamp');
    assert.equal(rec.username, 'system:admin', 'judged by who authenticated');
    assert.equal(rec.impersonated_user, 'bob');
  });

  test('a v1beta1 EventList is accepted', async () => {
    const e = { ...auditEvent({ verb: 'get', resource: 'pods', namespace: 'old', name: 'web' }), apiVersion: 'audit.k8s.io/v1beta1' };
    const r = await send(JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1beta1', items: [e] }));
    assert.deepEqual(r, { status: 200, body: { stored: 1, duplicates: 0, skipped: 0, alerts: 0 } });
  });

  test('an export without auditID, stage or timestamps: stored with a derived ID and the receive time; a resend is stored once', async () => {
    const before = Date.now() * 1000;
    const first = await send(JSON.stringify(exported()));
    const again = await send(JSON.stringify(exported()));
    assert.equal(first.status, 200, first.body.error);
    assert.equal(first.body.stored, 1);
    assert.deepEqual(again.body, { stored: 0, duplicates: 1, skipped: 0, alerts: 0 });
    const [rec] = records("username = 'mallory'");
    assert.match(rec.audit_id, /^derived-[0-9a-f]{32}$/);
    assert.equal(rec.stage, 'ResponseComplete');
    assert.equal(rec.time_source, 'received');
    assert.ok(rec.ts_us >= before);
    assert.ok(rec.intake_notes.some((n) => /auditID derived/.test(n)), rec.intake_notes.join('; '));
  });

  test('only what cannot be an audit event is refused, each with its reason; the rest of the body is stored', async () => {
    const good = auditEvent({ verb: 'get', resource: 'configmaps', namespace: 'keep', name: 'one' });
    const r = await send(eventList(good, { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'x' } }, { level: 'Metadata', annotations: {} }));
    assert.equal(r.status, 400);
    assert.match(r.body.error ?? '', /item 1 .*kind "Pod"/);
    assert.match(r.body.error ?? '', /item 2 .*no verb, objectRef or requestURI/);
    assert.equal(r.body.stored, 1);
    assert.equal(records(`audit_id = '${good.auditID}'`).length, 1);
    assert.match((await send('{"kind": "EventList", "items": [')).body.error ?? '', /not JSON/);
  });

  test('wrongly typed fields get a 400 naming them, never a 503; the valid events of the body are stored and a resend changes nothing', async () => {
    const good = auditEvent({ verb: 'get', resource: 'configmaps', namespace: 'typed', name: 'ok' });
    const code = { ...auditEvent({ verb: 'get', resource: 'pods' }), responseStatus: { code: { value: 200 } } };
    const user = { ...auditEvent({ verb: 'get', resource: 'pods' }), user: { username: { name: 'alice' } } };
    const ips = { ...auditEvent({ verb: 'get', resource: 'pods' }), sourceIPs: '10.0.0.1' };
    const body = eventList(good, code, user, ips);
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await send(body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.error ?? '', /item 1 field responseStatus\.code must be integer/);
      assert.match(r.body.error ?? '', /item 2 field user\.username must be string/);
      assert.match(r.body.error ?? '', /item 3 field sourceIPs must be array/);
      assert.equal(r.body.skipped, 3);
      assert.equal(r.body.stored, attempt === 0 ? 1 : 0);
    }
    assert.equal(records(`audit_id = '${good.auditID}'`).length, 1);
    const gaps = cp.query<{ reason: string; raw: string }>("SELECT reason, raw FROM audit_gaps WHERE reason LIKE '%must be%' ORDER BY id");
    assert.equal(gaps.length, 6, 'every refused item is kept, with its reason');
    assert.equal(JSON.parse(gaps[0].raw).auditID, code.auditID);
    assert.equal((await send(eventList(auditEvent({ verb: 'get', resource: 'pods' })))).status, 200, 'the webhook goes on');
  });

  test('the log file: a wrongly typed line and a line over the limit are skipped and recorded, and the tailer goes on', async () => {
    const dir = tempDir('vigil-auditlog-');
    const file = path.join(dir, 'audit.log');
    const line = (e: object) => `${JSON.stringify(e)}\n`;
    const named = (name: string) => auditEvent({ verb: 'get', resource: 'configmaps', namespace: 'tail', name });
    const huge = auditEvent({ verb: 'create', resource: 'configmaps', namespace: 'tail', name: 'huge', requestObject: { data: { blob: 'x'.repeat(4 * 1024 * 1024 + 10) } } });
    fs.writeFileSync(
      file,
      line(named('a')) + line({ ...named('typed'), responseStatus: { code: 'two hundred' } }) + line(named('b')) + line(huge) + line(named('c')) + line({ ...timestampOnly('0c0d86ba-4cbd-4e35-ba05-25df8e630bcb'), objectRef: { resource: 'configmaps', namespace: 'tail', name: 'd' } }),
    );
    const tail = await startTestControlPlane({ auditLog: file });
    try {
      const deadline = Date.now() + 15_000;
      let names: string[] = [];
      while (Date.now() < deadline && names.length < 4) {
        names = tail.query<{ name: string }>("SELECT name FROM audit_events WHERE namespace = 'tail' ORDER BY id").map((r) => r.name);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(names, ['a', 'b', 'c', 'd']);
      const gaps = tail.query<{ source: string; offset: number; bytes: number; reason: string }>('SELECT source, offset, bytes, reason FROM audit_gaps ORDER BY id');
      assert.equal(gaps.length, 2);
      assert.match(gaps[0].reason, /responseStatus\.code must be integer/);
      assert.equal(gaps[0].offset, Buffer.byteLength(line(named('a'))));
      assert.match(gaps[1].reason, /longer than/);
      assert.ok(gaps[1].bytes > 4 * 1024 * 1024);
      assert.equal(gaps[1].source, file);
      fs.appendFileSync(file, line(named('e')));
      const until = Date.now() + 10_000;
      while (Date.now() < until && tail.query("SELECT 1 FROM audit_events WHERE name = 'e'").length === 0) await new Promise((r) => setTimeout(r, 50));
      assert.equal(tail.query("SELECT 1 FROM audit_events WHERE name = 'e'").length, 1, 'lines after the skipped ones keep coming');
    } finally {
      await tail.stop();
    }
  });
});
