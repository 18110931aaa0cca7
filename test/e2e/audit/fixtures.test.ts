/**
 * The real-format fixtures of test/fixtures/k8saudit, through the real
 * webhook one file at a time and through a real log file all at once: each
 * raises exactly the alerts its expectations name, and nothing else.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';
import { makeTestPki, type TestPki } from '../../helpers/test-pki';
import { tempDir } from '../../helpers/temp-dir';
import { post } from './webhook-client';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/k8saudit');
const expectations = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expectations.json'), 'utf8')) as Record<string, Record<string, number>>;

function alertsAfter(cp: TestControlPlane, id: number): Record<string, number> {
  const rows = cp.query<{ rule_id: string; n: number }>('SELECT rule_id, count(*) AS n FROM alerts WHERE id > ? GROUP BY rule_id ORDER BY rule_id', id);
  return Object.fromEntries(rows.map((r) => [r.rule_id, r.n]));
}

const sorted = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

describe('real-format audit fixtures', { timeout: 90_000 }, () => {
  let cp: TestControlPlane;
  let pki: TestPki;

  before(async () => {
    pki = makeTestPki();
    cp = await startTestControlPlane({ tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, auditWebhook: '127.0.0.1:0' });
  });
  after(() => cp.stop());

  test('every fixture file has expectations, and every expectation a file', () => {
    const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json') || f.endsWith('.jsonl')).filter((f) => f !== 'expectations.json');
    assert.deepEqual(files.sort(), Object.keys(expectations).sort());
  });

  for (const [file, expected] of Object.entries(expectations))
    test(`through the webhook: ${file} → ${Object.keys(expected).length ? JSON.stringify(expected) : 'silence'}`, async () => {
      const before = cp.query<{ id: number }>('SELECT coalesce(max(id), 0) AS id FROM alerts')[0].id;
      const r = await post(cp.auditWebhookPort!, fs.readFileSync(path.join(FIXTURES, file)), { token: cp.token, ca: pki.ca });
      assert.equal(r.status, 200, r.body.error);
      assert.ok((r.body.stored ?? 0) > 0);
      assert.deepEqual(alertsAfter(cp, before), sorted(expected));
    });

  test('through a log file: the JSON-lines fixtures together raise the sum of their expectations', async () => {
    const lines = Object.keys(expectations).filter((f) => f.endsWith('.jsonl'));
    const file = path.join(tempDir('vigil-fixture-log-'), 'audit.log');
    fs.writeFileSync(file, lines.map((f) => fs.readFileSync(path.join(FIXTURES, f), 'utf8')).join(''));
    const total = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    const expected: Record<string, number> = {};
    for (const f of lines) for (const [rule, n] of Object.entries(expectations[f])) expected[rule] = (expected[rule] ?? 0) + n;
    const tail = await startTestControlPlane({ auditLog: file });
    try {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && tail.query<{ n: number }>('SELECT count(*) AS n FROM audit_events')[0].n < total) await new Promise((r) => setTimeout(r, 50));
      assert.equal(tail.query<{ n: number }>('SELECT count(*) AS n FROM audit_events')[0].n, total);
      assert.deepEqual(alertsAfter(tail, 0), sorted(expected));
      assert.equal(tail.query<{ n: number }>('SELECT count(*) AS n FROM audit_gaps')[0].n, 0);
    } finally {
      await tail.stop();
    }
  });
});
