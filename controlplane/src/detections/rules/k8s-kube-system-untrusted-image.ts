import type { AuditRule } from '../rule';
import { asString, containersOf, podSpecWrite, podTarget } from '../../audit/k8s-objects';

/** Registries the platform's own kube-system images come from. */
const TRUSTED_REGISTRIES = [
  'registry.k8s.io/',
  'k8s.gcr.io/',
  'gcr.io/gke-release/',
  'mcr.microsoft.com/',
  'public.ecr.aws/eks/',
  'docker.io/rancher/',
  'rancher/',
  'quay.io/cilium/',
  'docker.io/calico/',
  'calico/',
  'quay.io/tigera/',
  'ghcr.io/flannel-io/',
];

function trusted(image: string): boolean {
  return TRUSTED_REGISTRIES.some((r) => image.startsWith(r)) || /^\d+\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/eks\//.test(image);
}

export const k8sKubeSystemUntrustedImage: AuditRule = {
  id: 'k8s-kube-system-untrusted-image',
  version: 1,
  title: 'Pod in kube-system from an untrusted image',
  description:
    'A Pod or workload in kube-system runs an image from outside the registries the platform\'s own components use. ' +
    'kube-system is where attackers hide persistence among trusted names and where workloads often get broad rights. ' +
    'Known benign: add-ons you installed there from other registries; add them as exceptions. Triage: the image, ' +
    'its registry, and who created the workload.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1610', name: 'Deploy Container', tactic: 'Execution' },
  sources: ['k8s_audit'],
  match(ev, record) {
    const w = podSpecWrite(ev);
    if (!w || w.namespace !== 'kube-system') return null;
    const images = containersOf(w.spec).map((c) => asString(c.image)).filter((i) => i !== '' && !trusted(i));
    if (images.length === 0) return null;
    return {
      summary: `${record.username} ${ev.verb}d ${w.kind} kube-system/${w.name} running untrusted image ${images.join(', ')}`,
      ...podTarget(w),
      fields: { kind: w.kind, images: images.join(',') },
    };
  },
};
