import { listItems } from '../lists';
import type { AuditRule } from '../rule';
import { imageName } from '../../audit/image-ref';
import { actor, asString, containersOf, describeWrite, did, podSpecWrite, podSubject, podTarget } from '../../audit/k8s-objects';

export function kubeSystemRegistries(): readonly string[] {
  return listItems('kube_system_registries');
}

function trusted(image: string): boolean {
  const name = `${imageName(image)}/`;
  return kubeSystemRegistries().some((r) => name.startsWith(r)) || /^\d+\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/eks\//.test(name);
}

export const k8sKubeSystemUntrustedImage: AuditRule = {
  id: 'k8s-kube-system-untrusted-image',
  version: 2,
  title: 'Pod in kube-system from an untrusted image',
  description:
    'A Pod, workload or ephemeral container in kube-system runs an image from outside the registries the ' +
    'platform\'s own components use. kube-system is where attackers hide persistence among trusted names and ' +
    'where workloads often get broad rights. Image names are compared normalized, so calico/node is ' +
    'docker.io/calico/node. Known benign: add-ons you installed there from other registries; except them by image. ' +
    'Triage: the image, its registry, and who created the workload.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1610', name: 'Deploy Container', tactic: 'Execution' },
  sources: ['k8s_audit'],
  match(ev, record) {
    const w = podSpecWrite(ev);
    if (!w || w.namespace !== 'kube-system') return null;
    const untrusted = containersOf(w.spec).filter((c) => asString(c.image) !== '' && !trusted(asString(c.image)));
    if (untrusted.length === 0) return null;
    const images = untrusted.map((c) => asString(c.image));
    return {
      summary: `${actor(record)} ${did(ev.verb)} ${describeWrite(w)} running untrusted image ${images.join(', ')}`,
      ...podTarget(w),
      fields: { kind: w.kind, images: images.join(',') },
      subject: podSubject(w, untrusted),
    };
  },
};
