import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RULES } from '../../../controlplane/src/detections/rules';
import { ALERT_LINE_HEADER, formatAlertLine } from '../../../proto/format/alert-line';
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';

test('every built-in rule id fits the RULE column: NODE starts where the header says, whichever rule raised the alert', () => {
  const nodeAt = ALERT_LINE_HEADER.indexOf('NODE');
  for (const rule of RULES) {
    const line = formatAlertLine({ id: '7', first_seen_unix_nano: '1700000000000000000', severity: 'SEVERITY_HIGH', rule_id: rule.id, node_name: 'node-a', container_id: '', summary: 's', count: 1 } as Alert__Output);
    assert.equal(line.indexOf(' node-a ') + 1, nodeAt, rule.id);
  }
});
