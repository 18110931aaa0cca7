/** Every cluster rule is described, tested and simulated. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { simulatedClusterAttacks } from '../../../../../controlplane/src/audit/audit-event-builder';
import { RULES } from '../../../../../controlplane/src/detections/rules';
import { judge } from './k8s-rule-cases';

const clusterRules = RULES.filter((r) => r.sources.includes('k8s_audit' as never));

test('every cluster rule has its own test file and a simulated attack that fires it', () => {
  const simulated = simulatedClusterAttacks('t');
  assert.deepEqual(simulated.map((s) => s.ruleId).sort(), clusterRules.map((r) => r.id).sort());
  for (const { ruleId, event } of simulated) assert.ok(judge(ruleId, event), `simulated attack for ${ruleId}`);
  for (const r of clusterRules) assert.ok(fs.existsSync(path.join(__dirname, `${r.id}.test.js`)), `test file for ${r.id}`);
});

test('every cluster rule says why it matters, what is benign and how to triage', () => {
  for (const r of clusterRules) {
    assert.match(r.description, /Known benign|benign/, `${r.id}: known false positives`);
    assert.match(r.description, /Triage/, `${r.id}: triage`);
  }
});
