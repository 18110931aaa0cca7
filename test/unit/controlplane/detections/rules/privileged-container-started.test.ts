import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { privilegedContainerStarted } from '../../../../../controlplane/src/detections/rules/privileged-container-started';
import { containerStarted } from '../../../../helpers/synthetic-events';
import { ruleContext } from '../../../../helpers/rule-context';

const pod = { containerId: 'b'.repeat(64), namespace: 'shop', pod: 'web-1', podUid: 'u1', image: 'registry.example.com/web:1' };
const ctr = { containerId: 'c'.repeat(64), namespace: '', pod: '', podUid: '', image: '' };

describe('rule privileged-container-started', () => {
  test('should trigger: privileged pods, ctr/Docker containers outside Kubernetes, dangerous added capabilities', () => {
    assert.ok(privilegedContainerStarted.match(containerStarted(pod, { privileged: true }), ruleContext()));
    const outside = privilegedContainerStarted.match(containerStarted(ctr, { privileged: true, source: 'oci', runtime_namespace: 'default' }), ruleContext());
    assert.match(outside!.summary, /default, outside any pod/);
    for (const caps of [['SYS_ADMIN'], ['CAP_SYS_PTRACE'], ['BPF', 'PERFMON'], ['NET_ADMIN'], ['DAC_READ_SEARCH'], ['SYS_MODULE']]) {
      const f = privilegedContainerStarted.match(containerStarted(pod, { added_capabilities: caps }), ruleContext());
      assert.ok(f, caps.join(','));
    }
    // Capabilities the OCI spec shows though the CRI said none were added.
    assert.ok(privilegedContainerStarted.match(containerStarted(ctr, { capabilities: ['CHOWN', 'SYS_ADMIN'], source: 'oci' }), ruleContext()));
  });

  test('should not trigger: the default capability set, the pod sandbox, a trusted image', () => {
    assert.equal(privilegedContainerStarted.match(containerStarted(pod, { capabilities: ['CHOWN', 'DAC_OVERRIDE', 'NET_RAW', 'SETFCAP', 'KILL'], added_capabilities: ['NET_BIND_SERVICE'] }), ruleContext()), null);
    assert.equal(privilegedContainerStarted.match(containerStarted(pod, { privileged: true, is_sandbox: true }), ruleContext()), null);
    const trusted = ruleContext({ file: { lists: { trusted_images: ['registry.example.com/*'] }, rules: {}, intel: { feeds: [] } } });
    assert.equal(privilegedContainerStarted.match(containerStarted(pod, { privileged: true }), trusted), null);
  });
});

describe('rule privileged-container-started: review finding 17', () => {
  test('a privileged DaemonSet merges into one alert across nodes and restarts', () => {
    const ds = { 'controller-revision-hash': '6d9f8b7c5d' };
    const a = privilegedContainerStarted.match(containerStarted({ ...pod, pod: 'cni-x2x4k' }, { privileged: true, pod_labels: ds }), ruleContext());
    const b = privilegedContainerStarted.match(containerStarted({ ...pod, containerId: 'd'.repeat(64), pod: 'cni-7qpzn' }, { privileged: true, pod_labels: ds }), ruleContext());
    assert.ok(a?.clusterKey);
    assert.equal(a.clusterKey, b?.clusterKey);
  });
});
