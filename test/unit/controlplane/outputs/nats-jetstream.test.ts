import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Alert__Output } from '../../../../proto/generated/vigil/v1/Alert';
import { alertMessageId, batchMessageId, nodeSubject } from '../../../../controlplane/src/outputs/nats-jetstream';

describe('JetStream message ids and subjects', () => {
  test('ids name the alert by its node (or cluster) and id, a batch by its node and seq', () => {
    assert.equal(alertMessageId({ node_name: 'prod-cluster', id: '42' } as Alert__Output), 'alert-prod-cluster-42');
    assert.equal(batchMessageId({ node: 'node-1', seq: 8388609n }), 'node-1-8388609');
  });

  test('a node name becomes one subject token, whatever it holds', () => {
    assert.equal(nodeSubject('vigil.events', 'node-1'), 'vigil.events.node-1');
    assert.equal(nodeSubject('vigil.events', 'ip-10-0-0-1.ec2.internal'), 'vigil.events.ip-10-0-0-1_ec2_internal');
    assert.equal(nodeSubject('vigil.events', 'a b*>'), 'vigil.events.a_b__');
    assert.equal(nodeSubject('vigil.events', ''), 'vigil.events._');
  });
});
