import type { HostRule } from '../rule';

export const privilegedContainerStarted: HostRule = {
  id: 'privileged-container-started',
  version: 1,
  title: 'Privileged container started',
  description:
    'A container started with privileged mode: every capability, every host device, no seccomp or AppArmor. Code ' +
    'running in it owns the node. Seen on the node itself, so it also catches containers started outside ' +
    'Kubernetes (ctr, docker, a compromised kubelet). Known benign: CNI, CSI and monitoring agents; add them as ' +
    'exceptions. Triage: the image, the pod\'s owner, and the matching k8s-privileged-pod audit alert (same pod).',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1610', name: 'Deploy Container', tactic: 'Execution' },
  sources: ['container_started'],
  match(ev) {
    const d = ev.container_started?.details;
    if (!d?.privileged || d.is_sandbox) return null;
    const c = ev.container!;
    const where = c.pod_name ? `pod ${c.pod_namespace}/${c.pod_name}` : 'no pod';
    return {
      summary: `privileged container ${c.name || c.id.slice(0, 12)} (${c.image || 'unknown image'}) started in ${where}`,
      fields: { image: c.image, host_mounts: d.host_mounts.map((m) => `${m.host_path}:${m.container_path}${m.readonly ? ':ro' : ''}`).join(',') },
    };
  },
};
