import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openStore } from '../../../../controlplane/src/store/db';
import { EventsRepo } from '../../../../controlplane/src/store/events-repo';
import { Retention } from '../../../../controlplane/src/store/retention';
import { AuditRepo } from '../../../../controlplane/src/store/audit-repo';
import { auditEvent } from '../../../../controlplane/src/audit/audit-event-builder';
import { toAuditRecord } from '../../../../controlplane/src/audit/to-audit-record';
import type { EventFilter__Output } from '../../../../proto/generated/vigil/v1/EventFilter';
import { eventProblem } from '../../../../controlplane/src/ingest/validate-event';
import { CONTAINER_ID, batchRowsOf, eventFilter, execEvent, fileEvent } from '../../../helpers/synthetic-events';
import { tempDir } from '../../../helpers/temp-dir';

const at = (s: number) => BigInt(s) * 1_000_000_000n;
const ev = (pid: number, tSec: number, containerId?: string) => execEvent({ pid, timeNs: at(tSec), containerId });

describe('EventsRepo', () => {
  const db = openStore(tempDir());
  const repo = new EventsRepo(db);
  db.transaction(() => {
    repo.insertBatch('n1', 1n, batchRowsOf([ev(1, 1000), ev(2, 1001, CONTAINER_ID)]), null);
    repo.insertBatch('n1', 2n, batchRowsOf([ev(3, 2000), ev(4, 2001)]), null);
    repo.insertBatch('n2', 1n, batchRowsOf([ev(5, 3000)]), null);
  })();
  const pids = (f: Partial<EventFilter__Output>, size = 100, token = '') => repo.list(eventFilter(f), size, token).events.map((e) => e.event?.process?.pid);

  test('a seq at or below the last committed one writes nothing', () => {
    assert.equal(db.transaction(() => repo.insertBatch('n1', 2n, batchRowsOf([ev(99, 5000)]), null))(), false);
    assert.equal(repo.count(), 5);
  });

  test('filters: time range, pid, container prefix, node; newest first', () => {
    assert.deepEqual(pids({}), [5, 4, 3, 2, 1]);
    assert.deepEqual(pids({ since_unix_nano: String(at(1001)), until_unix_nano: String(at(2000)) }), [3, 2]);
    assert.deepEqual(pids({ pid: 4 }), [4]);
    assert.deepEqual(pids({ container_id: CONTAINER_ID.slice(0, 6) }), [2]);
    assert.deepEqual(pids({ node_name: 'n2' }), [5]);
    assert.deepEqual(pids({ node_name: 'nope' }), []);
  });

  test('file events are accepted, stored and found by type', () => {
    const fresh = new EventsRepo(openStore(tempDir()));
    const file = fileEvent({}, { pid: 31, containerId: CONTAINER_ID });
    assert.equal(eventProblem(file), undefined);
    fresh.insertBatch('n1', 1n, batchRowsOf([ev(30, 10), file]), null);
    const found = fresh.list(eventFilter({ type: 'EVENT_TYPE_FILE' }), 10, '').events.map((e) => e.event);
    assert.deepEqual(found.map((e) => [e?.body, e?.process?.pid, e?.file?.category, e?.file?.path]), [
      ['file', 31, 'service-account-token', '/var/run/secrets/kubernetes.io/serviceaccount/token'],
    ]);
  });

  test('pages follow their tokens to the end', () => {
    const first = repo.list(eventFilter({}), 2, '');
    assert.deepEqual(first.events.map((e) => e.event?.process?.pid), [5, 4]);
    assert.deepEqual(pids({}, 2, first.nextPageToken), [3, 2]);
    assert.equal(repo.list(eventFilter({}), 10, '').nextPageToken, '');
  });

  test('bad filters are refused with the reason', () => {
    assert.throws(() => pids({ container_id: 'c0' }), /at least 4 characters/);
    assert.throws(() => pids({ since_unix_nano: String(at(10)), until_unix_nano: String(at(5)) }), /ends before it starts/);
    assert.throws(() => pids({}, 10, 'abc'), /page token "abc"/);
  });

  test('retention by age removes old events and keeps recent ones', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    db.transaction(() => repo.insertBatch('n3', 1n, batchRowsOf([execEvent({ pid: 77, timeNs: now })]), null))();
    const old = auditEvent({ verb: 'get', resource: 'pods' });
    old.stageTimestamp = old.requestReceivedTimestamp = '2020-01-01T00:00:00Z';
    const audit = new AuditRepo(db);
    db.transaction(() => {
      audit.insert(toAuditRecord(old), '{}');
      audit.insert(toAuditRecord(auditEvent({ verb: 'list', resource: 'pods' })), '{}');
    })();
    const r = new Retention(db, { maxAgeMs: 60_000 }, () => undefined);
    await r.runOnce();
    assert.deepEqual(pids({}), [77]);
    assert.deepEqual(audit.list({ limit: 10 }).map((a) => a.record.verb), ['list'], 'old audit events go too');
    assert.equal(r.deleted.audit_events, 1, 'deletions are counted (the metrics endpoint shows them)');
    assert.equal(repo.lastSeq('n1'), 2n, 'dedupe state survives pruning');
  });

  test('retention by size deletes the oldest events until the store is under the limit', async () => {
    const big = openStore(tempDir());
    const r = new EventsRepo(big);
    const pad = 'x'.repeat(2000);
    for (let b = 1n; b <= 40n; b++)
      big.transaction(() => r.insertBatch('n', b, batchRowsOf(Array.from({ length: 100 }, (_, i) => execEvent({ pid: Number(b) * 1000 + i, argv: ['/bin/true', pad] }))), null))();
    const retention = new Retention(big, { maxBytes: 2 * 1024 * 1024 }, () => undefined);
    assert.ok(retention.usedBytes() > 4 * 1024 * 1024, `test data too small: ${retention.usedBytes()} bytes`);
    await retention.runOnce();
    assert.ok(retention.usedBytes() <= 2 * 1024 * 1024, `still ${retention.usedBytes()} bytes in use`);
    const left = r.list(eventFilter({}), 10_000, '').events.map((e) => e.event?.process?.pid ?? 0);
    assert.ok(left.length > 0 && left.length < 4000);
    assert.equal(Math.max(...left), 40_099, 'the newest events stay');
    assert.equal(retention.deleted.events, 4000 - left.length, 'every deleted event is counted');
    assert.equal(r.lastSeq('n'), 40n, 'dedupe state survives pruning');
  });
});
