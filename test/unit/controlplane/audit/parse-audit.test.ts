import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditEvent } from '../../../../controlplane/src/audit/audit-event-builder';
import { objectRefFromUri } from '../../../../controlplane/src/audit/normalize-event';
import { parseAuditPayload } from '../../../../controlplane/src/audit/parse-audit';
import { timeNs, toAuditRecord } from '../../../../controlplane/src/audit/to-audit-record';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const ev = () => auditEvent({ verb: 'get', resource: 'pods', namespace: 'default', name: 'web' });
const parse = (body: unknown, source = 'body') => parseAuditPayload(typeof body === 'string' ? body : JSON.stringify(body), source, NOW);
const reasons = (body: unknown) => parse(body).problems.map((p) => p.reason);

describe('parseAuditPayload: shapes', () => {
  test('an EventList, as the webhook backend posts it', () => {
    const r = parse({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [ev(), ev()] });
    assert.deepEqual(r.problems, []);
    assert.equal(r.events.length, 2);
  });

  test('JSON lines, as the log backend writes them, with a BOM; each event keeps its line as sent', () => {
    const [a, b] = [ev(), ev()];
    const r = parse(`\ufeff${JSON.stringify(a)}\n\n${JSON.stringify(b)}\n`, 'f');
    assert.deepEqual(r.events.map((e) => e.text), [JSON.stringify(a), JSON.stringify(b)]);
  });

  test('AKS diagnostic records: the event as a JSON string in properties.log, alone or in an Event Hubs batch', () => {
    const record = { category: 'kube-audit', operationName: 'x', properties: { log: `${JSON.stringify(ev())}\n`, pod: 'kube-apiserver-1' } };
    assert.equal(parse(`\ufeff${JSON.stringify(record)}`, 'aks').events.length, 1);
    const batch = parse({ records: [record, record] }, 'hub');
    assert.deepEqual(batch.problems, []);
    assert.equal(batch.events.length, 2);
    assert.match(reasons({ records: [{ properties: { log: '{not json' } }] })[0], /body record 0 properties.log is not JSON/);
  });

  test('audit.k8s.io/v1beta1 and v1alpha1 events and lists, and events without apiVersion or kind', () => {
    const r = parse({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1beta1', items: [{ ...ev(), apiVersion: 'audit.k8s.io/v1beta1' }, { ...ev(), apiVersion: undefined, kind: undefined }] });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.events.map((e) => e.record.api_version), ['audit.k8s.io/v1beta1', '']);
  });
});

describe('parseAuditPayload: what is filled in, and said', () => {
  test('time: stageTimestamp, then requestReceivedTimestamp, then timestamp, then the receive time; microseconds kept', () => {
    const base = { ...ev(), stageTimestamp: undefined, requestReceivedTimestamp: undefined };
    const t = (e: object) => parse(e).events[0].record;
    assert.deepEqual(
      [t({ ...base, stageTimestamp: '2020-05-08T22:44:17.862312Z', requestReceivedTimestamp: '2020-05-08T22:44:17.862201Z' }), t({ ...base, requestReceivedTimestamp: '2020-05-08T22:44:17.862201Z' }), t({ ...base, timestamp: '2017-09-11T19:55:05Z' }), t(base)].map((r) => [r.time_source, r.time_unix_nano]),
      [
        ['stageTimestamp', '1588977857862312000'],
        ['requestReceivedTimestamp', '1588977857862201000'],
        ['timestamp', '1505159705000000000'],
        ['received', `${NOW}000000`],
      ],
    );
    const bad = t({ ...base, stageTimestamp: 'yesterday', timestamp: '2017-09-11T19:55:05Z' });
    assert.equal(bad.time_source, 'timestamp');
    assert.match(bad.intake_notes.join('; '), /stageTimestamp "yesterday" is not a time/);
    assert.equal(timeNs('2020-05-08T22:44:17.862201+02:00'), '1588970657862201000');
  });

  test('a missing auditID is derived from the content: the same event gets the same ID, another a different one', () => {
    const e = { ...ev(), auditID: undefined };
    const [a, b] = [parse(e).events[0].record, parse(e).events[0].record];
    assert.match(a.audit_id, /^derived-[0-9a-f]{32}$/);
    assert.equal(a.audit_id, b.audit_id);
    assert.notEqual(parse({ ...e, verb: 'list' }).events[0].record.audit_id, a.audit_id);
    assert.ok(a.intake_notes.includes('auditID derived from the content'));
    assert.deepEqual(parse(ev()).events[0].record.intake_notes, [], 'a complete event has nothing to say');
  });

  test('a missing stage is taken as ResponseComplete', () => {
    const r = parse({ ...ev(), stage: undefined }).events[0].record;
    assert.equal(r.stage, 'ResponseComplete');
    assert.ok(r.intake_notes.includes('no stage: taken as ResponseComplete'));
  });

  test('an export with fields under "attributes", the verb in http.method and the code in http.status_code (Datadog, as in Stratus Red Team\'s samples)', () => {
    const exported = {
      kind: 'Event',
      level: 'Request',
      requestURI: '/api/v1/nodes/ip-192-168-34-255.eu-west-1.compute.internal/proxy/runningpods/',
      attributes: { http: { method: 'get', status_code: 200 }, user: { username: 'system:serviceaccount:stratus:sa' } },
    };
    const [e] = parse(exported).events;
    assert.equal(e.record.verb, 'get');
    assert.equal(e.record.response_code, 200);
    assert.equal(e.record.username, 'system:serviceaccount:stratus:sa');
    assert.deepEqual([e.record.resource, e.record.name, e.record.subresource], ['nodes', 'ip-192-168-34-255.eu-west-1.compute.internal', 'proxy']);
    assert.deepEqual(e.record.intake_notes.slice(0, 4), ['fields read from "attributes", where a log pipeline put them', 'verb read from http.method', 'response code read from http.status_code', 'objectRef derived from requestURI']);
  });

  test('objectRef from a request path: core and grouped, namespaced or not, with subresources', () => {
    assert.deepEqual(objectRefFromUri('/api/v1/namespaces/shop/pods/web-0/exec?command=sh'), { apiVersion: 'v1', namespace: 'shop', resource: 'pods', name: 'web-0', subresource: 'exec' });
    assert.deepEqual(objectRefFromUri('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'), { apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1', resource: 'clusterrolebindings' });
    assert.deepEqual(objectRefFromUri('/api/v1/namespaces/kube-system'), { apiVersion: 'v1', resource: 'namespaces', name: 'kube-system' });
    assert.equal(objectRefFromUri('/healthz'), undefined);
  });

  test('null fields, as exports write them, count as absent', () => {
    const r = parse({ ...ev(), impersonatedUser: null, objectRef: { resource: 'pods', namespace: null, name: 'web' }, responseObject: null });
    assert.deepEqual(r.problems, []);
    assert.equal(r.events[0].record.namespace, '');
  });
});

describe('parseAuditPayload: refusals name the item and why', () => {
  test('only what cannot be an audit event is refused', () => {
    assert.deepEqual(reasons({ kind: 'EventList', items: [ev(), { kind: 'Pod' }, { level: 'Metadata' }, 7] }), [
      'body item 1 has kind "Pod": not an audit Event',
      'body item 2 has no verb, objectRef or requestURI: not an audit event',
      'body item 3 is not a JSON object',
    ]);
    assert.match(reasons('{"kind": "EventList", trunc')[0], /body line 1 is not JSON/);
    assert.deepEqual(reasons(''), ['body is empty']);
    assert.deepEqual(reasons({ kind: 'EventList' }), ['body is an EventList without items']);
  });

  test('a field of the wrong type is named with what was there, and the item kept for the record', () => {
    const bad = { ...ev(), responseStatus: { code: { v: 1 } }, user: { username: 7, groups: ['a', 1] }, sourceIPs: '10.0.0.1', annotations: { 'authorization.k8s.io/decision': true } };
    const r = parse({ kind: 'EventList', items: [ev(), bad] });
    assert.equal(r.events.length, 1);
    assert.equal(r.problems.length, 1);
    for (const field of ['responseStatus.code must be integer, got object', 'user.username must be string, got number', 'user.groups[1] must be string, got number', 'sourceIPs must be array, got string', 'annotations.authorization.k8s.io/decision must be string, got boolean'])
      assert.ok(r.problems[0].reason.includes(`field ${field}`), `${field} in ${r.problems[0].reason}`);
    assert.equal(JSON.parse(r.problems[0].text!).auditID, bad.auditID);
    assert.equal(r.problems[0].bytes, Buffer.byteLength(r.problems[0].text!));
  });
});

describe('parseAuditPayload: bounds', () => {
  test('a field longer than any API server writes is named with its size, and the item kept for the record', () => {
    const big = { ...ev(), user: { username: 'u'.repeat(5000), groups: Array.from({ length: 1025 }, () => 'g') }, requestURI: `/api/v1/pods?${'x'.repeat(20_000)}` };
    const r = parse({ kind: 'EventList', items: [big, ev()] });
    assert.equal(r.events.length, 1);
    for (const field of ['user.username must NOT have more than 4096 characters, got 5000 characters', 'user.groups must NOT have more than 1024 items, got 1025 entries', 'requestURI must NOT have more than 16384 characters, got 20013 characters'])
      assert.ok(r.problems[0].reason.includes(`field ${field}`), `${field} in ${r.problems[0].reason}`);
  });
});

describe('toAuditRecord', () => {
  test('reads what the API server authenticated, and whom it impersonated', () => {
    const e = { ...auditEvent({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web-1', username: 'bob', code: 101 }), impersonatedUser: { username: 'alice' } };
    const r = toAuditRecord(e);
    assert.deepEqual([r.verb, r.username, r.impersonated_user, r.resource, r.subresource, r.namespace, r.response_code, r.decision], ['create', 'bob', 'alice', 'pods', 'exec', 'shop', 101, 'allow']);
    assert.equal(r.time_source, 'stageTimestamp');
  });

  test('a create names its object from the body, or from the response when the name was generated', () => {
    const base = auditEvent({ verb: 'create', resource: 'pods', namespace: 'shop' });
    assert.equal(toAuditRecord({ ...base, objectRef: { resource: 'pods', namespace: 'shop' }, requestObject: { kind: 'Pod', metadata: { generateName: 'web-' } }, responseObject: { kind: 'Pod', metadata: { name: 'web-x7k2p', uid: 'u1' } } }).name, 'web-x7k2p');
    assert.equal(toAuditRecord({ ...base, objectRef: { resource: 'pods', namespace: 'shop' }, requestObject: { kind: 'Pod', metadata: { generateName: 'web-' } }, responseObject: undefined }).name, '');
  });
});
