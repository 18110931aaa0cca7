import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cloudMetadataAccess } from '../../../../../controlplane/src/detections/rules/cloud-metadata-access';
import { CONTAINER_ID, connectEvent } from '../../../../helpers/synthetic-events';
import { ruleContext } from '../../../../helpers/rule-context';

describe('rule cloud-metadata-access', () => {
  test('should trigger: IMDS over IPv4, IPv6, IPv4-mapped, the ECS task endpoint, from a container', () => {
    for (const [a, p] of [['169.254.169.254', 80], ['fd00:ec2::254', 80], ['::ffff:169.254.169.254', 80], ['169.254.170.2', 80], ['FD00:EC2::254', 80]] as const)
      assert.ok(cloudMetadataAccess.match(connectEvent(a, p, { containerId: CONTAINER_ID }), ruleContext()), a);
  });

  test('should not trigger: the host (cloud-init), another link-local address, an exception-worthy agent is left to the rules file', () => {
    assert.equal(cloudMetadataAccess.match(connectEvent('169.254.169.254', 80), ruleContext()), null);
    assert.equal(cloudMetadataAccess.match(connectEvent('169.254.1.1', 80, { containerId: CONTAINER_ID }), ruleContext()), null);
  });
});

describe('rule cloud-metadata-access: review finding 16', () => {
  test('should trigger: EKS Pod Identity, IPv6 written in full, NAT64 of the IPv4 address', () => {
    for (const a of ['169.254.170.23', 'fd00:ec2::23', 'fd00:ec2:0:0:0:0:0:254', 'FD00:0EC2::0254', '64:ff9b::a9fe:a9fe'])
      assert.ok(cloudMetadataAccess.match(connectEvent(a, 80, { containerId: CONTAINER_ID }), ruleContext()), a);
  });
});
