import type { HostRule } from '../rule';
import { imageIn, workloadKey } from '../facts';

export const privilegedContainerStarted: HostRule = {
  id: 'privileged-container-started',
  version: 3,
  title: 'Privileged container started',
  description:
    'A container started privileged (every capability, every host device, no seccomp or AppArmor) or with ' +
    'capabilities that undo its isolation (SYS_ADMIN, SYS_MODULE, SYS_PTRACE, BPF, NET_ADMIN, DAC_READ_SEARCH...). ' +
    'Code running in it can take over the node. Seen on the node itself, from the container\'s OCI runtime spec, so ' +
    'it also catches containers started outside Kubernetes (ctr, Docker, Podman, a compromised kubelet). Known ' +
    'benign: CNI, CSI and monitoring agents; list their images in `trusted_images` or as exceptions. Triage: the ' +
    'image, who started it (the pod\'s owner, or the runtime namespace for containers outside Kubernetes), and the ' +
    'matching k8s-privileged-pod audit alert (same pod). The pods of one workload (a DaemonSet on every node, a ' +
    'Deployment\'s replicas, their restarts) merge into one alert per container and image.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1610', name: 'Deploy Container', tactic: 'Execution' },
  sources: ['container_started'],
  match(ev, ctx) {
    const d = ev.container_started?.details;
    const c = ev.container!;
    if (!d || d.is_sandbox || imageIn(c.image, ctx.lists.trusted_images)) return null;
    const dangerous = [...new Set([...d.added_capabilities, ...d.capabilities].map((cap) => cap.replace(/^CAP_/, '')))].filter((cap) => ctx.lists.dangerous_capabilities.has(cap));
    if (!d.privileged && dangerous.length === 0) return null;
    const what = d.privileged ? 'privileged container' : `container with ${dangerous.join(', ')}`;
    const where = c.pod_name ? `pod ${c.pod_namespace}/${c.pod_name}` : `${d.runtime_namespace || d.source || 'the runtime'}, outside any pod`;
    const shared = (['host_network', 'host_pid', 'host_ipc'] as const).filter((k) => d[k]);
    return {
      summary: `${what} ${c.name || c.id.slice(0, 12)} (${c.image || 'unknown image'}) started in ${where}`,
      fields: {
        image: c.image,
        privileged: String(d.privileged),
        dangerous_capabilities: dangerous.join(','),
        host_namespaces: shared.join(','),
        runtime: d.runtime_namespace || d.source,
        host_mounts: d.host_mounts.map((m) => `${m.host_path}:${m.container_path}${m.readonly ? ':ro' : ''}`).join(','),
      },
      clusterKey: workloadKey(c, d),
    };
  },
};

