import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sensitiveHostMountStarted } from '../../../../../controlplane/src/detections/rules/sensitive-host-mount-started';
import { containerStarted } from '../../../../helpers/synthetic-events';
import { ruleContext } from '../../../../helpers/rule-context';

const pod = { containerId: 'b'.repeat(64), namespace: 'shop', pod: 'web-1', podUid: 'u1' };
const mount = (host: string) => ({ host_path: host, container_path: `/host${host}`, readonly: false });

describe('rule sensitive-host-mount-started', () => {
  test('should trigger: the node root, /etc, /proc, the runtime socket, kubelet credentials, paths written another way', () => {
    for (const host of ['/', '/etc', '/proc', '/run/containerd/containerd.sock', '/var/run/docker.sock', '/var/lib/kubelet', '/var/lib/kubelet/pki', '/root/.ssh', '/etc/kubernetes/admin.conf'])
      assert.ok(sensitiveHostMountStarted.match(containerStarted(pod, { host_mounts: [mount(host)] }), ruleContext()), host);
    assert.ok(sensitiveHostMountStarted.match(containerStarted(pod, { host_mounts: [mount('/etc/')] }), ruleContext()), 'trailing slash');
  });

  test('should not trigger: what kubelet and the runtime mount into every container, /var/log, the sandbox', () => {
    const everyPod = [
      '/var/lib/kubelet/pods/0f6e4c1e-9b9a-4a55-9b53-1c1b0c3f3c11/volumes/kubernetes.io~projected/kube-api-access-x2x4k',
      '/var/lib/kubelet/pods/0f6e4c1e-9b9a-4a55-9b53-1c1b0c3f3c11/etc-hosts',
      `/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/${'d'.repeat(64)}/resolv.conf`,
      `/run/containerd/io.containerd.grpc.v1.cri/sandboxes/${'d'.repeat(64)}/shm`,
      `/var/lib/docker/containers/${'e'.repeat(64)}/hostname`,
      '/var/log',
    ];
    assert.equal(sensitiveHostMountStarted.match(containerStarted(pod, { host_mounts: everyPod.map(mount) }), ruleContext()), null);
    assert.equal(sensitiveHostMountStarted.match(containerStarted(pod, { host_mounts: [mount('/')], is_sandbox: true }), ruleContext()), null);
  });
});
