import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Alert__Output } from '../../../../proto/generated/vigil/v1/Alert';
import { openStore } from '../../../../controlplane/src/store/db';
import { AlertsRepo } from '../../../../controlplane/src/store/alerts-repo';
import { NodeAlertsRepo, toNodeAlert } from '../../../../controlplane/src/store/node-alerts-repo';
import { tempDir } from '../../../helpers/temp-dir';

const alert = (id: number, node = 'n1'): Alert__Output => ({
  id: String(id), rule_id: 'shell-in-container', rule_version: 1, title: 'Shell', severity: 'SEVERITY_MEDIUM', mitre: null, description: '',
  summary: `alert ${id}`, node_name: node, container_id: '', namespace: '', pod: '', pod_uid: '', pid: id,
  first_seen_unix_nano: '1700000000000000000', last_seen_unix_nano: '1700000000000000000', count: 3, evidence: null, audit_ids: [], origin: null,
});

describe('NodeAlertsRepo: what a cluster view took from its nodes', () => {
  const db = openStore(tempDir());
  const alerts = new AlertsRepo(db);
  const repo = new NodeAlertsRepo(db, alerts);
  /** The alerts stored from `list`, as listed from the store. */
  const take = (storeId: string, list: Alert__Output[]) => {
    const origin = { address: '10.0.0.1:7443', storeId };
    const ids = db.transaction(() => repo.take(origin, list.map((a) => toNodeAlert(origin, a).row)))();
    return ids.filter((id) => id !== null).map((id) => alerts.list(null, { afterId: Number(id) - 1, beforeId: Number(id) + 1, limit: 1, order: 'asc' })[0]);
  };

  test('each node alert is stored once, with a new id and its origin; a resend is dropped', () => {
    const fresh = take('store-a', [alert(1), alert(2)]);
    assert.deepEqual(fresh.map((a) => a.origin), [
      { node_address: '10.0.0.1:7443', store_id: 'store-a', alert_id: '1' },
      { node_address: '10.0.0.1:7443', store_id: 'store-a', alert_id: '2' },
    ]);
    assert.deepEqual(take('store-a', [alert(1), alert(2), alert(3)]).map((a) => a.summary), ['alert 3']);
    assert.equal(repo.cursor('store-a'), 3);
    const listed = alerts.list(null, { limit: 10, order: 'asc' });
    assert.equal(listed.length, 3);
    assert.equal(listed[0].count, 3, 'the count the node had merged by then');
    assert.equal(listed[2].origin?.alert_id, '3');
  });

  test('an alert taken and since pruned here is not taken again', () => {
    db.prepare('DELETE FROM alerts').run();
    assert.deepEqual(take('store-a', [alert(2), alert(3)]), []);
    assert.equal(take('store-a', [alert(4)]).length, 1);
  });

  test('another store (a node whose store was made anew) counts from its first alert', () => {
    assert.equal(repo.cursor('store-b'), 0);
    assert.equal(take('store-b', [alert(1, 'n1'), alert(2, 'n1')]).length, 2);
  });

  test('the same origin twice cannot be stored (the unique index holds without the cursor)', () => {
    assert.throws(() => db.transaction(() => alerts.insert(alert(9), { storeId: 'store-b', id: 1 }))(), /UNIQUE constraint failed/);
  });

  test('a store has one identity, kept across opens, and another store has another', () => {
    const dir = tempDir();
    const first = openStore(dir);
    const id = new NodeAlertsRepo(first).storeId();
    first.close();
    const again = openStore(dir);
    assert.equal(new NodeAlertsRepo(again).storeId(), id);
    again.close();
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.notEqual(repo.storeId(), id);
  });
});
