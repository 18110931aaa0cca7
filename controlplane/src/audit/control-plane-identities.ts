/**
 * The control plane's own identities, by exact name. Being one of them is
 * decided by what the API server authenticated (the event's `user`), never
 * by a name prefix a user could also get (`system:serviceaccount:kube-system:`
 * holds every add-on someone installed there) and never by labels or
 * annotations on the object written.
 */

/** Users the API server, controller manager and scheduler authenticate as. */
export const DEFAULT_CONTROL_PLANE_USERS: readonly string[] = ['system:apiserver', 'system:kube-controller-manager', 'system:kube-scheduler'];

/**
 * The kube-controller-manager's controllers, which run as these kube-system
 * service accounts under --use-service-account-credentials (kubeadm, EKS,
 * AKS and GKE all set it).
 */
export const DEFAULT_CONTROL_PLANE_SERVICE_ACCOUNTS: readonly string[] = [
  'attachdetach-controller',
  'bootstrap-signer',
  'certificate-controller',
  'clusterrole-aggregation-controller',
  'cronjob-controller',
  'daemon-set-controller',
  'deployment-controller',
  'disruption-controller',
  'endpoint-controller',
  'endpointslice-controller',
  'endpointslicemirroring-controller',
  'ephemeral-volume-controller',
  'expand-controller',
  'generic-garbage-collector',
  'horizontal-pod-autoscaler',
  'job-controller',
  'legacy-service-account-token-cleaner',
  'namespace-controller',
  'node-controller',
  'persistent-volume-binder',
  'pod-garbage-collector',
  'pv-protection-controller',
  'pvc-protection-controller',
  'replicaset-controller',
  'replication-controller',
  'resourcequota-controller',
  'root-ca-cert-publisher',
  'route-controller',
  'service-account-controller',
  'service-controller',
  'statefulset-controller',
  'token-cleaner',
  'ttl-after-finished-controller',
  'ttl-controller',
  'validatingadmissionpolicy-status-controller',
];

const USERS = new Set([...DEFAULT_CONTROL_PLANE_USERS, ...DEFAULT_CONTROL_PLANE_SERVICE_ACCOUNTS.map((sa) => `system:serviceaccount:kube-system:${sa}`)]);

/** Every control-plane user name; the one place rules read the list from. */
export function controlPlaneUsers(): ReadonlySet<string> {
  return USERS;
}

/** Whether the authenticated identity is the control plane itself, or a node's kubelet. */
export function isControlPlane(username: string, groups: readonly string[]): boolean {
  return controlPlaneUsers().has(username) || (username.startsWith('system:node:') && groups.includes('system:nodes'));
}
