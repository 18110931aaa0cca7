/**
 * The audit webhook fed arbitrary JSON and mutations of real audit events
 * (the public samples in test/fixtures/k8saudit), over real HTTPS: every
 * post is answered 200 or 400 with the reason, never a server error; what
 * the reply says was stored is exactly what the store gained; and the
 * webhook serves a well-formed post afterwards.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fc from 'fast-check';
import { after, before, describe, test } from 'node:test';
import { auditEvent } from '../../../controlplane/src/audit/audit-event-builder';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';
import { fixturePath } from '../../helpers/fixture-path';
import { makeTestPki, type TestPki } from '../../helpers/test-pki';
import { eventList, post, type Reply } from './webhook-client';

const ARBITRARY_RUNS = 200;
const MUTATED_RUNS = 400;

/** Real audit events: every line of the JSON-lines samples. */
function samples(): unknown[] {
  const dir = fixturePath('k8saudit');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => fs.readFileSync(`${dir}/${f}`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown));
}

/** Replaces (or, with `undefined`, deletes) the value at the `pick`-th place of a walk through `v`. */
function replaceAt(v: unknown, pick: number, by: unknown): unknown {
  let left = pick;
  const walk = (x: unknown): unknown => {
    if (left-- === 0) return by;
    if (Array.isArray(x)) return x.map(walk).filter((e) => e !== undefined);
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, e]) => [k, walk(e)]).filter(([, e]) => e !== undefined));
    return x;
  };
  return walk(v);
}

describe('audit webhook under arbitrary and mutated JSON', { timeout: 240_000 }, () => {
  let cp: TestControlPlane;
  let pki: TestPki;
  let port: number;
  const stored = () => cp.query<{ n: number }>('SELECT count(*) AS n FROM audit_events')[0].n;
  const statuses = new Map<number, number>();

  before(async () => {
    pki = makeTestPki();
    cp = await startTestControlPlane({ tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, auditWebhook: '127.0.0.1:0' });
    port = cp.auditWebhookPort!;
  });
  after(() => cp.stop());

  async function judged(body: string): Promise<Reply> {
    const before = stored();
    const r = await post(port, body, { token: cp.token, ca: pki.ca });
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    assert.ok(r.status === 200 || r.status === 400, `status ${r.status} for ${body.slice(0, 200)}: ${JSON.stringify(r.body)}`);
    if (r.status === 400) {
      assert.ok((r.body.error ?? '').length > 10, 'a refusal says why');
      assert.equal(stored(), before, 'a refused body stores nothing');
    } else {
      assert.equal(stored() - before, r.body.stored, 'the reply counts exactly what was stored');
    }
    return r;
  }

  test(`arbitrary JSON (${ARBITRARY_RUNS} cases)`, async (t) => {
    statuses.clear();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 3 }).map((items) => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items }))), async (body) => {
        await judged(body);
      }),
      { numRuns: ARBITRARY_RUNS },
    );
    t.diagnostic(`${ARBITRARY_RUNS} cases: ${[...statuses].map(([s, n]) => `${s} ${n}`).join(', ')}`);
  });

  test(`mutations of real audit events (${MUTATED_RUNS} cases)`, async (t) => {
    statuses.clear();
    const real = samples();
    // Fields' values replaced by any JSON value or deleted, then perhaps the text cut or a character changed.
    const fieldEdit = fc.tuple(fc.nat(), fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)));
    const textEdit = fc.option(fc.tuple(fc.nat(), fc.string({ maxLength: 2 })));
    await fc.assert(
      fc.asyncProperty(fc.nat(real.length - 1), fc.array(fieldEdit, { maxLength: 3 }), textEdit, fc.boolean(), async (which, edits, cut, asList) => {
        let text = JSON.stringify(edits.reduce((e, [pick, by]) => replaceAt(e, pick, by), real[which]) ?? null);
        if (cut) {
          const i = cut[0] % (text.length + 1);
          text = text.slice(0, i) + cut[1] + text.slice(i + 1);
        }
        await judged(asList ? `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[${text}]}` : text);
      }),
      { numRuns: MUTATED_RUNS },
    );
    t.diagnostic(`${MUTATED_RUNS} cases from ${real.length} real events: ${[...statuses].map(([s, n]) => `${s} ${n}`).join(', ')}`);
  });

  test('after all of it, a well-formed post is stored', async () => {
    const r = await judged(eventList(auditEvent({ verb: 'get', resource: 'pods', namespace: 'after', name: 'fuzz' })));
    assert.equal(r.status, 200);
    assert.equal(r.body.stored, 1);
  });
});
