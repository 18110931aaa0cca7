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

  test('should not trigger: what kubelet and the runtime mount into every container (its own), /var/log, the sandbox', () => {
    const sandbox = 'd'.repeat(64);
    const everyPod = [
      `/var/lib/kubelet/pods/${pod.podUid}/volumes/kubernetes.io~projected/kube-api-access-x2x4k`,
      `/var/lib/kubelet/pods/${pod.podUid}/etc-hosts`,
      `/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/${sandbox}/resolv.conf`,
      `/run/containerd/io.containerd.grpc.v1.cri/sandboxes/${sandbox}/shm`,
      `/var/lib/rancher/k3s/agent/containerd/io.containerd.grpc.v1.cri/sandboxes/${sandbox}/hostname`,
      `/run/k3s/containerd/io.containerd.grpc.v1.cri/sandboxes/${sandbox}/shm`,
      `/var/lib/docker/containers/${pod.containerId}/hostname`,
      `/var/lib/containers/storage/overlay-containers/${pod.containerId}/userdata/hosts`,
      '/var/log',
    ];
    assert.equal(sensitiveHostMountStarted.match(containerStarted(pod, { host_mounts: everyPod.map(mount), sandbox_id: sandbox }), ruleContext()), null);
    assert.equal(sensitiveHostMountStarted.match(containerStarted(pod, { host_mounts: [mount('/')], is_sandbox: true }), ruleContext()), null);
  });
});

describe('rule sensitive-host-mount-started: review findings 9 and 17', () => {
  test('should trigger (review 9): another pod\'s volumes, paths that climb out of a kubelet or containerd directory, another container\'s rootfs, newly listed host paths', () => {
    const other = 'a'.repeat(64);
    for (const host of [
      '/var/lib/kubelet/pods/0b5e7e5c-aaaa-bbbb-cccc-123456789abc/volumes/kubernetes.io~projected/kube-api-access-x2x',
      '/var/lib/kubelet/pods/x/../../../../../etc',
      `/run/containerd/io.containerd.runtime.v2.task/k8s.io/${other}/rootfs`,
      `/etc/io.containerd.grpc.v1.cri/containers/${other}/../../../`,
      `/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/${other}/shm`,
      '/usr/bin',
      '/opt/cni/bin',
      '/run/dbus/system_bus_socket',
      '/run/systemd',
      '/var/lib/rancher/k3s',
      '/run/podman/podman.sock',
      '/var/spool/cron',
    ])
      assert.ok(sensitiveHostMountStarted.match(containerStarted(pod, { host_mounts: [mount(host)] }), ruleContext()), host);
  });

  test('merge key (review 17): one per workload, whatever the node, the replica or the restart', () => {
    const key = (podName: string, labels: Record<string, string>, id = 'c'.repeat(64)) =>
      sensitiveHostMountStarted.match(containerStarted({ ...pod, containerId: id, pod: podName }, { host_mounts: [mount('/etc')], pod_labels: labels }), ruleContext())!.clusterKey;
    const ds = { 'controller-revision-hash': '6d9f8b7c5d', 'pod-template-generation': '1' };
    assert.equal(key('node-agent-x2x4k', ds), key('node-agent-7qpzn', ds, 'd'.repeat(64)));
    const deploy = { 'pod-template-hash': '7d4b9c8f6d' };
    assert.equal(key('web-7d4b9c8f6d-x2x4k', deploy), key('web-7d4b9c8f6d-abcde', deploy));
    assert.equal(key('db-0', { 'controller-revision-hash': 'db-5f7', 'statefulset.kubernetes.io/pod-name': 'db-0' }), key('db-1', { 'controller-revision-hash': 'db-5f7', 'statefulset.kubernetes.io/pod-name': 'db-1' }));
    assert.equal(key('backup-28512340-k2x4z', { 'batch.kubernetes.io/job-name': 'backup-28512340' }), key('backup-28512400-q9w8e', { 'batch.kubernetes.io/job-name': 'backup-28512400' }));
    assert.notEqual(key('web-7d4b9c8f6d-x2x4k', deploy), key('api-6c5b8d7f9-x2x4k', { 'pod-template-hash': '6c5b8d7f9' }));
    const outside = sensitiveHostMountStarted.match(containerStarted({ containerId: 'e'.repeat(64), namespace: '', pod: '', podUid: '' }, { host_mounts: [mount('/etc')] }), ruleContext());
    assert.equal(outside?.clusterKey, undefined, 'a container outside Kubernetes is its own');
  });
});
