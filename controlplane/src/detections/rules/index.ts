/** The single list of shipped rules. */
import type { Rule } from '../rule';
import { k8sAnonymousRequestAllowed } from './k8s-anonymous-request-allowed';
import { k8sClusterAdminBinding } from './k8s-cluster-admin-binding';
import { k8sEventsDeleted } from './k8s-events-deleted';
import { k8sExposedDashboard } from './k8s-exposed-dashboard';
import { k8sHighPrivilegedRole } from './k8s-high-privileged-role';
import { k8sHostNamespacesPod } from './k8s-host-namespaces-pod';
import { k8sKubeSystemUntrustedImage } from './k8s-kube-system-untrusted-image';
import { k8sPodExec } from './k8s-pod-exec';
import { k8sPrivilegedPod } from './k8s-privileged-pod';
import { k8sSensitiveHostMount } from './k8s-sensitive-host-mount';
import { k8sServiceAccountToken } from './k8s-service-account-token';
import { privilegedContainerStarted } from './privileged-container-started';
import { shellInContainer } from './shell-in-container';
import { terminalShellInContainer } from './terminal-shell-in-container';

export const RULES: readonly Rule[] = [
  shellInContainer,
  terminalShellInContainer,
  privilegedContainerStarted,
  k8sExposedDashboard,
  k8sHighPrivilegedRole,
  k8sClusterAdminBinding,
  k8sSensitiveHostMount,
  k8sPrivilegedPod,
  k8sPodExec,
  k8sKubeSystemUntrustedImage,
  k8sHostNamespacesPod,
  k8sAnonymousRequestAllowed,
  k8sEventsDeleted,
  k8sServiceAccountToken,
];
