import type { HostRule } from '../rule';
import { imageIn } from '../facts';
import { isSensitiveHostPath } from './k8s-sensitive-host-mount';

/**
 * Host paths the runtime and the kubelet mount into every container for it
 * (service-account tokens, /etc/hosts, resolv.conf, termination logs): they
 * live under the node's state directories but hand the container nothing of
 * the node.
 */
const PER_CONTAINER_STATE = [
  /^\/var\/lib\/kubelet\/pods\/[^/]+\//,
  /\/io\.containerd\.grpc\.v1\.cri\/(sandboxes|containers)\/[0-9a-f]{64}\//,
  /\/io\.containerd\.runtime\.v2\.task\/[^/]+\/[0-9a-f]{64}\//,
  /^\/var\/lib\/docker\/containers\/[0-9a-f]{64}\//,
  /\/overlay-containers\/[0-9a-f]{64}\/userdata\//,
];

export const sensitiveHostMountStarted: HostRule = {
  id: 'sensitive-host-mount-started',
  version: 1,
  title: 'Container started with a sensitive host path mounted',
  description:
    'A container started on this node with a host path mounted that exposes the node: its root, /etc, /proc, ' +
    '/root, the kubelet\'s state and credentials, the Kubernetes PKI, or a container runtime socket. Any of them ' +
    'turns code execution in the container into control of the node (escape, credential theft, starting ' +
    'containers). Seen from the container\'s runtime spec, so containers started outside Kubernetes count too; ' +
    'the per-container files the kubelet and the runtime mount for every container (service-account token, ' +
    '/etc/hosts, resolv.conf) do not. Known benign: node agents (log shippers, CNI, CSI, monitoring); list their ' +
    'images in `trusted_images` or as exceptions. Triage: which path, read-only or not, the image and who started ' +
    'it; the matching k8s-sensitive-host-mount audit alert names the requester.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1611', name: 'Escape to Host', tactic: 'Privilege Escalation' },
  sources: ['container_started'],
  match(ev, ctx) {
    const d = ev.container_started?.details;
    const c = ev.container!;
    if (!d || d.is_sandbox || imageIn(c.image, ctx.lists.trusted_images)) return null;
    const mounts = d.host_mounts.filter((m) => isSensitiveHostPath(m.host_path) && !PER_CONTAINER_STATE.some((re) => re.test(m.host_path)));
    if (mounts.length === 0) return null;
    const list = mounts.map((m) => `${m.host_path} at ${m.container_path}${m.readonly ? ' (read-only)' : ''}`);
    const where = c.pod_name ? `pod ${c.pod_namespace}/${c.pod_name}` : `${d.runtime_namespace || d.source || 'the runtime'}, outside any pod`;
    return {
      summary: `container ${c.name || c.id.slice(0, 12)} (${c.image || 'unknown image'}) in ${where} started with host ${list.join(', ')}`,
      fields: { image: c.image, host_mounts: mounts.map((m) => `${m.host_path}:${m.container_path}${m.readonly ? ':ro' : ''}`).join(',') },
    };
  },
};
