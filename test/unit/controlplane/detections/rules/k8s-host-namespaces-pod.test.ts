import { container, createWorkload, podSpec } from '../../../../../controlplane/src/audit/audit-event-builder';
import type { K8sAuditEvent } from '../../../../../controlplane/src/audit/k8s-audit-event';
import { as, debugContainer, ruleCases } from './k8s-rule-cases';

/** A static pod's mirror, which the kubelet creates for the manifest on its disk. */
function mirrorPod(): K8sAuditEvent {
  const e = as(createWorkload('Pod', 'kube-system', 'etcd-cp-1', podSpec([container('etcd', 'registry.k8s.io/etcd:3.5.12-0')], { hostNetwork: true })), 'system:node:cp-1', ['system:nodes', 'system:authenticated']);
  (e.requestObject as { metadata: object }).metadata = { name: 'etcd-cp-1', namespace: 'kube-system', annotations: { 'kubernetes.io/config.mirror': 'abc' }, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'cp-1', uid: 'node-uid', controller: true }] };
  return e;
}

ruleCases('k8s-host-namespaces-pod', {
  should: [
    ['hostPID', createWorkload('Pod', 'shop', 'p', podSpec([container('a', 'x')], { hostPID: true }))],
    ['hostNetwork in a DaemonSet', createWorkload('DaemonSet', 'shop', 'd', podSpec([container('a', 'x')], { hostNetwork: true }))],
    ['a debug container added to a pod that shares the host\'s PID namespace', debugContainer(undefined, { hostPID: true })],
    ['a node creating a pod it does not own as a mirror', as(createWorkload('Pod', 'kube-system', 'x', podSpec([container('a', 'x')], { hostPID: true })), 'system:node:cp-1', ['system:nodes', 'system:authenticated'])],
  ],
  shouldNot: [
    ['hostNetwork false', createWorkload('Pod', 'shop', 'p', podSpec([container('a', 'x')], { hostNetwork: false }))],
    ['a static pod\'s mirror, made by the kubelet', mirrorPod()],
    ['a debug container in an ordinary pod', debugContainer(undefined)],
  ],
});
