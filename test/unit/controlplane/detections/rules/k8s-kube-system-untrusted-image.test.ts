import { container, createWorkload, podSpec } from '../../../../../controlplane/src/audit/audit-event-builder';
import { debugContainer, ruleCases } from './k8s-rule-cases';

const inKubeSystem = (image: string, kind = 'Pod') => createWorkload(kind, 'kube-system', 'helper', podSpec([container('a', image)]));
const debugInKubeSystem = () => {
  const e = debugContainer(undefined);
  e.objectRef = { ...e.objectRef, namespace: 'kube-system', name: 'coredns-5d78c9869d-x2x9z' };
  return e;
};

ruleCases('k8s-kube-system-untrusted-image', {
  should: [
    ['an unknown registry in kube-system', inKubeSystem('docker.io/attacker/xmrig:latest', 'DaemonSet')],
    ['a registry named like the trusted one', inKubeSystem('registry.k8s.io.evil.example/coredns/coredns:v1.11.1')],
    ['a debug container from Docker Hub in a kube-system pod', debugInKubeSystem()],
  ],
  shouldNot: [
    ['registry.k8s.io', inKubeSystem('registry.k8s.io/coredns/coredns:v1.11.1')],
    ['calico/node, which is docker.io/calico/node', inKubeSystem('calico/node:v3.27.0', 'DaemonSet')],
    ['an unknown registry elsewhere', createWorkload('Pod', 'shop', 'web', podSpec([container('a', 'docker.io/attacker/xmrig:latest')]))],
  ],
});
