import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditEvent } from '../../../../controlplane/src/audit/audit-event-builder';
import { parseAuditPayload } from '../../../../controlplane/src/audit/parse-audit';
import { toAuditRecord } from '../../../../controlplane/src/audit/to-audit-record';

const ev = () => auditEvent({ verb: 'get', resource: 'pods', namespace: 'default', name: 'web' });

describe('parseAuditPayload', () => {
  test('an EventList, as the webhook backend posts it', () => {
    const r = parseAuditPayload(JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [ev(), ev()] }), 'body');
    assert.deepEqual(r.errors, []);
    assert.equal(r.events.length, 2);
  });

  test('JSON lines, as the log backend writes them, with a BOM', () => {
    const text = `\ufeff${JSON.stringify(ev())}\n\n${JSON.stringify(ev())}\n`;
    assert.equal(parseAuditPayload(text, 'f').events.length, 2);
  });

  test('AKS diagnostic records: the event as a JSON string in properties.log, alone or in an Event Hubs batch', () => {
    const record = { category: 'kube-audit', operationName: 'x', properties: { log: JSON.stringify(ev()), pod: 'kube-apiserver-1' } };
    assert.equal(parseAuditPayload(`\ufeff${JSON.stringify(record)}`, 'aks').events.length, 1);
    const batch = parseAuditPayload(JSON.stringify({ records: [record, record] }), 'hub');
    assert.deepEqual(batch.errors, []);
    assert.equal(batch.events.length, 2);
  });

  test('wrong kind or apiVersion, missing fields and bad JSON: errors naming the item', () => {
    const wrongVersion = parseAuditPayload(JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1beta1', items: [] }), 'body');
    assert.match(wrongVersion.errors[0], /body is an EventList of apiVersion "audit.k8s.io\/v1beta1", expected "audit.k8s.io\/v1"/);
    const mixed = parseAuditPayload(JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [ev(), { ...ev(), verb: undefined }, { kind: 'Pod' }] }), 'body');
    assert.equal(mixed.events.length, 1);
    assert.match(mixed.errors[0], /body item 1 has no verb/);
    assert.match(mixed.errors[1], /body item 2 has kind "Pod", expected "Event"/);
    const lines = parseAuditPayload(`${JSON.stringify(ev())}\n{"kind": "Event", trunc\n`, 'audit.log');
    assert.equal(lines.events.length, 1);
    assert.match(lines.errors[0], /audit.log line 2 is not JSON/);
    assert.match(parseAuditPayload('', 'body').errors[0], /body is empty/);
    assert.match(parseAuditPayload(JSON.stringify({ properties: { log: '{not json' } }), 'aks').errors[0], /aks properties.log is not JSON/);
    assert.match(parseAuditPayload('[1,2]', 'body').errors[0], /body is not a JSON object/);
  });

  test('normalizes into an AuditRecord', () => {
    const e = auditEvent({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web-1', username: 'bob', code: 101 });
    const r = toAuditRecord(e);
    assert.equal(r.verb, 'create');
    assert.equal(r.username, 'bob');
    assert.equal(r.resource, 'pods');
    assert.equal(r.subresource, 'exec');
    assert.equal(r.namespace, 'shop');
    assert.equal(r.response_code, 101);
    assert.equal(r.decision, 'allow');
    assert.ok(Number(BigInt(r.time_unix_nano) / 1_000_000n) > Date.now() - 60_000);
  });
});
