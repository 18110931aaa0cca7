import type { Container__Output } from '../../../../proto/generated/vigil/v1/Container';
import type { ContainerDetails__Output } from '../../../../proto/generated/vigil/v1/ContainerDetails';
import type { HostRule } from '../rule';
import { imageIn, workloadKey } from '../facts';
import { isSensitiveHostPath, normalizeHostPath } from './k8s-sensitive-host-mount';

/** Where containerd keeps its state: its own roots, and k3s's and RKE2's. */
const CONTAINERD = '(/var/lib/containerd|/run/containerd|/var/lib/rancher/(k3s|rke2)/agent/containerd|/run/k3s/containerd)';

/**
 * Host paths the runtime and the kubelet mount into every container for it
 * (service-account tokens, /etc/hosts, resolv.conf, termination logs): they
 * live under the node's state directories but hand the container nothing of
 * the node, as long as they are the container's own. Each pattern captures
 * the id or pod uid the path belongs to.
 */
const PER_CONTAINER_STATE = [
  /^\/var\/lib\/kubelet\/pods\/([^/]+)\//,
  new RegExp(`^${CONTAINERD}/io\\.containerd\\.grpc\\.v1\\.cri/(sandboxes|containers)/([0-9a-f]{64})/`),
  new RegExp(`^${CONTAINERD}/io\\.containerd\\.runtime\\.v2\\.task/[^/]+/([0-9a-f]{64})/`),
  /^\/var\/lib\/docker\/containers\/([0-9a-f]{64})\//,
  /^\/(var\/lib|run)\/containers\/storage\/overlay-containers\/([0-9a-f]{64})\/userdata\//,
];

/** A path (normalized) that belongs to this container or its pod: its own kubelet directory, runtime state or sandbox. */
function ownState(p: string, c: Container__Output, d: ContainerDetails__Output): boolean {
  for (const re of PER_CONTAINER_STATE) {
    const m = re.exec(p);
    if (!m) continue;
    const owner = m[m.length - 1];
    return owner !== '' && (owner === c.pod_uid || owner === c.id || owner === d.sandbox_id);
  }
  return false;
}

export const sensitiveHostMountStarted: HostRule = {
  id: 'sensitive-host-mount-started',
  version: 2,
  title: 'Container started with a sensitive host path mounted',
  description:
    'A container started on this node with a host path mounted that exposes the node: its root, /etc, /proc, ' +
    '/root, the kubelet\'s state and credentials, the Kubernetes PKI, or a container runtime socket. Any of them ' +
    'turns code execution in the container into control of the node (escape, credential theft, starting ' +
    'containers). Seen from the container\'s runtime spec, so containers started outside Kubernetes count too; ' +
    'the per-container files the kubelet and the runtime mount for every container (service-account token, ' +
    '/etc/hosts, resolv.conf) do not, when they are the container\'s own (its pod\'s uid, its id or its sandbox\'s in ' +
    'the path, compared after the path is normalized): another pod\'s volumes or another container\'s root are ' +
    'raised. The pods of one workload (a DaemonSet on every node) merge into one alert. Known benign: node agents (log shippers, CNI, CSI, monitoring); list their ' +
    'images in `trusted_images` or as exceptions. Triage: which path, read-only or not, the image and who started ' +
    'it; the matching k8s-sensitive-host-mount audit alert names the requester.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1611', name: 'Escape to Host', tactic: 'Privilege Escalation' },
  sources: ['container_started'],
  match(ev, ctx) {
    const d = ev.container_started?.details;
    const c = ev.container!;
    if (!d || d.is_sandbox || imageIn(c.image, ctx.lists.trusted_images)) return null;
    const mounts = d.host_mounts.filter((m) => isSensitiveHostPath(m.host_path) && !ownState(normalizeHostPath(m.host_path), c, d));
    if (mounts.length === 0) return null;
    const list = mounts.map((m) => `${m.host_path} at ${m.container_path}${m.readonly ? ' (read-only)' : ''}`);
    const where = c.pod_name ? `pod ${c.pod_namespace}/${c.pod_name}` : `${d.runtime_namespace || d.source || 'the runtime'}, outside any pod`;
    return {
      summary: `container ${c.name || c.id.slice(0, 12)} (${c.image || 'unknown image'}) in ${where} started with host ${list.join(', ')}`,
      fields: { image: c.image, host_mounts: mounts.map((m) => `${m.host_path}:${m.container_path}${m.readonly ? ':ro' : ''}`).join(',') },
      clusterKey: workloadKey(c, d),
    };
  },
};
