/**
 * Audit events through the one engine on the ingest thread into a real
 * store written by the real writer thread: rule errors are logged and
 * counted there, the writer keeps only the alerts of new events, a rule
 * raises once per request, and merges keep every request's auditID.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { AlertStream } from '../../../../controlplane/src/alerts/alert-stream';
import { auditEvent, container, createWorkload, podSpec } from '../../../../controlplane/src/audit/audit-event-builder';
import { AuditIngest } from '../../../../controlplane/src/audit/audit-ingest';
import type { K8sAuditEvent } from '../../../../controlplane/src/audit/k8s-audit-event';
import { parseAuditPayload } from '../../../../controlplane/src/audit/parse-audit';
import { RuleSet } from '../../../../controlplane/src/detections/rule-set';
import { DetectionEngine } from '../../../../controlplane/src/detections/engine';
import type { AuditRule } from '../../../../controlplane/src/detections/rule';
import { RULES } from '../../../../controlplane/src/detections/rules';
import { AlertsRepo } from '../../../../controlplane/src/store/alerts-repo';
import { dbPath, openStore } from '../../../../controlplane/src/store/db';
import { StoreWriter } from '../../../../controlplane/src/store/writer';
import { tempDir } from '../../../helpers/temp-dir';

const broken: AuditRule = {
  ...(RULES.find((r) => r.id === 'k8s-pod-exec') as AuditRule),
  id: 'broken',
  match: () => {
    throw new TypeError("Cannot read properties of undefined (reading 'join')");
  },
};

const exec = (auditID: string, stage: string, command = 'sh'): K8sAuditEvent => ({
  ...auditEvent({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web-0', code: 101, stage, requestURI: `/api/v1/namespaces/shop/pods/web-0/exec?command=${command}` }),
  auditID,
});

describe('audit ingest', () => {
  let dataDir: string;
  let writer: StoreWriter;
  let ingest: AuditIngest;
  let engine: DetectionEngine;
  const lines: string[] = [];
  const send = (...items: K8sAuditEvent[]) => ingest.ingest(parseAuditPayload(JSON.stringify({ kind: 'EventList', items }), 'body', Date.now()), 'test');
  const query = <T>(sql: string, ...args: unknown[]): T[] => {
    const db = new Database(dbPath(dataDir), { readonly: true });
    try {
      return db.prepare(sql).all(...args) as T[];
    } finally {
      db.close();
    }
  };

  before(async () => {
    dataDir = tempDir('vigil-audit-ingest-');
    openStore(dataDir).close();
    writer = await StoreWriter.start({ dataDir });
    engine = new DetectionEngine(RuleSet.build([broken, ...RULES]), { log: (l) => lines.push(l) });
    ingest = new AuditIngest(writer, engine, new AlertStream());
  });
  after(() => writer.close());

  test('a rule that throws is logged once, with the audit ID, and counted; the other rules still alert', async () => {
    const [a, b] = [exec(randomUUID(), 'ResponseStarted'), exec(randomUUID(), 'ResponseStarted', 'id')];
    const r = await send(a, b);
    assert.equal(r.alerts, 2, 'k8s-pod-exec ran');
    assert.equal(engine.ruleErrors.get('broken'), 2);
    assert.equal(lines.length, 1);
    assert.equal(lines[0], `rule broken failed on audit event ${a.auditID} (create pods): Cannot read properties of undefined (reading 'join')`);
  });

  test('a resent batch is stored once and raises nothing: the writer drops the alerts of events it had', async () => {
    const pod = createWorkload('Pod', 'shop', 'again', podSpec([container('a', 'x', { privileged: true })]));
    assert.deepEqual(await send(pod), { stored: 1, duplicates: 0, skipped: 0, alerts: 1 });
    assert.deepEqual(await send(pod), { stored: 0, duplicates: 1, skipped: 0, alerts: 0 });
    assert.equal(query<{ n: number }>("SELECT count(*) AS n FROM alerts WHERE rule_id = 'k8s-privileged-pod'")[0].n, 1);
  });

  test('once per request: an exec\'s later stages, in the same batch or later, add nothing', async () => {
    const id = randomUUID();
    assert.equal((await send(exec(id, 'ResponseStarted', 'cat'), exec(id, 'ResponseComplete', 'cat'))).alerts, 1);
    assert.equal((await send(exec(id, 'Panic', 'cat'), { ...exec(id, 'ResponseComplete', 'cat'), auditID: id })).alerts, 0);
    const rows = query<{ count: number }>("SELECT a.count FROM alerts a JOIN alert_audit_ids i ON i.alert_id = a.id WHERE i.audit_id = ? AND i.rule_id = 'k8s-pod-exec'", id);
    assert.deepEqual(rows, [{ count: 1 }]);
  });

  test('a log file\'s chunks commit only in order: a write that does not follow the stored position is refused', async () => {
    const chunk = () => parseAuditPayload(JSON.stringify(auditEvent({ verb: 'get', resource: 'pods' })), 'line', Date.now());
    const at = (offset: number, after: { inode: number; offset: number } | null) => ({ path: '/var/log/audit.log', inode: 7, offset, after });
    await ingest.ingest(chunk(), 'f', at(100, null));
    await assert.rejects(ingest.ingest(chunk(), 'f', at(300, { inode: 7, offset: 200 })), /audit log \/var\/log\/audit.log: the lines up to byte 300 follow position \{"inode":7,"offset":200\}, but \{"inode":7,"offset":100\} is stored/);
    await ingest.ingest(chunk(), 'f', at(200, { inode: 7, offset: 100 }));
    assert.deepEqual(query('SELECT inode, offset FROM audit_sources'), [{ inode: 7, offset: 200 }]);
  });

  test('repeats of one finding merge and list every auditID; after retention removed the alert, a repeat is a new alert', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await send(exec(a, 'ResponseStarted', 'whoami'));
    assert.equal((await send(exec(b, 'ResponseStarted', 'whoami'))).alerts, 0);
    const db = openStore(dataDir);
    try {
      const merged = new AlertsRepo(db).list({ min_severity: 'SEVERITY_UNSPECIFIED', rule_ids: ['k8s-pod-exec'], namespace: '', node_name: '', container_id: '', pod: '' }, { limit: 100, order: 'desc' }).find((x) => x.evidence?.audit?.audit_id === a)!;
      assert.equal(merged.count, 2);
      assert.deepEqual(merged.audit_ids, [a, b]);
      db.prepare('DELETE FROM alerts WHERE id = ?').run(Number(merged.id));
      assert.equal(db.prepare('SELECT count(*) FROM alert_audit_ids WHERE alert_id = ?').pluck().get(Number(merged.id)), 0, 'their audit IDs go with them');
    } finally {
      db.close();
    }
    assert.equal((await send(exec(c, 'ResponseStarted', 'whoami'))).alerts, 1);
  });
});
