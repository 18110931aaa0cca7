import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DetectionEngine } from '../../../../controlplane/src/detections/engine';
import { RULES } from '../../../../controlplane/src/detections/rules';
import type { Rule } from '../../../../controlplane/src/detections/rule';
import type { Event } from '../../../../proto/generated/vigil/v1/Event';
import { CONTAINER_ID, execEvent, shellInContainer } from '../../../helpers/synthetic-events';

const out = (ev: Event) => ev as never;

describe('DetectionEngine', () => {
  test('routes events only to rules that asked for their source', () => {
    let calls = 0;
    const spy: Rule = { ...RULES[0], id: 'spy', sources: ['connect'], match: () => (calls++, null) };
    const engine = new DetectionEngine([spy]);
    engine.evaluate('n', [out(execEvent())]);
    assert.equal(calls, 0);
  });

  test('alerts carry the ancestry the sensor sent with the event', () => {
    const engine = new DetectionEngine(RULES);
    const nginx = { pid: 100, exe: '/usr/sbin/nginx', argv: ['nginx', '-g', 'daemon off;'], comm: 'nginx' };
    const raised = engine.evaluate('n', [out({ ...shellInContainer(200, 100), ancestry: [nginx] })]);
    assert.equal(raised.length, 1);
    assert.deepEqual(raised[0].alert.evidence?.ancestry, [nginx]);
  });

  test('merge keys: same rule, container, parent and program → same key', () => {
    const engine = new DetectionEngine(RULES);
    const [a] = engine.evaluate('n', [out(shellInContainer(1, 50))]);
    const [b] = engine.evaluate('n', [out(shellInContainer(2, 50))]);
    const [c] = engine.evaluate('n', [out(shellInContainer(3, 51))]);
    assert.equal(a.mergeKey, b.mergeKey);
    assert.notEqual(a.mergeKey, c.mergeKey);
  });

  test('a rule that throws is counted and skipped; the others still run', () => {
    const broken: Rule = { ...RULES[0], id: 'broken', match: () => { throw new Error('boom'); } };
    const lines: string[] = [];
    const engine = new DetectionEngine([broken, ...RULES], (l) => lines.push(l));
    const raised = engine.evaluate('n', [out(execEvent({ filename: '/bin/sh', containerId: CONTAINER_ID })), out(execEvent({ filename: '/bin/sh', containerId: CONTAINER_ID }))]);
    assert.equal(raised.length, 2);
    assert.equal(engine.ruleErrors.get('broken'), 2);
    assert.equal(lines.length, 1, 'logged once');
    assert.match(lines[0], /rule broken failed on a exec event from n \(pid 4242\): boom/);
  });

  test('every shipped rule is described', () => {
    const ids = new Set<string>();
    for (const r of RULES) {
      assert.match(r.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(!ids.has(r.id), `duplicate rule id ${r.id}`);
      ids.add(r.id);
      assert.match(r.mitre.id, /^T\d{4}(\.\d{3})?$/);
      assert.ok(r.mitre.name && r.mitre.tactic && r.title && r.description.length > 80 && r.sources.length > 0);
    }
  });
});
