/** The single list of shipped rules. */
import type { Rule } from '../rule';
import { apiServerAccessFromContainer } from './api-server-access-from-container';
import { binaryNotInImage } from './binary-not-in-image';
import { cloudMetadataAccess } from './cloud-metadata-access';
import { clusterClientInContainer } from './cluster-client-in-container';
import { containerEscapeTool } from './container-escape-tool';
import { credentialsReadInContainer } from './credentials-read-in-container';
import { cryptoMining } from './crypto-mining';
import { downloadAndExecute } from './download-and-execute';
import { filelessExecution } from './fileless-execution';
import { k8sAdmissionWebhookChanged } from './k8s-admission-webhook-changed';
import { k8sAnonymousRequestAllowed } from './k8s-anonymous-request-allowed';
import { k8sClusterAdminBinding } from './k8s-cluster-admin-binding';
import { k8sConfigMapCredentials } from './k8s-configmap-credentials';
import { k8sCorednsConfigChanged } from './k8s-coredns-config-changed';
import { k8sDangerousCapabilities } from './k8s-dangerous-capabilities';
import { k8sEventsDeleted } from './k8s-events-deleted';
import { k8sExposedDashboard } from './k8s-exposed-dashboard';
import { k8sExposedSensitiveService } from './k8s-exposed-sensitive-service';
import { k8sHighPrivilegedRole } from './k8s-high-privileged-role';
import { k8sHostNamespacesPod } from './k8s-host-namespaces-pod';
import { k8sKubeSystemServiceAccount } from './k8s-kube-system-service-account';
import { k8sKubeSystemUntrustedImage } from './k8s-kube-system-untrusted-image';
import { k8sMaliciousImage } from './k8s-malicious-image';
import { k8sPodExec } from './k8s-pod-exec';
import { k8sPrivilegedPod } from './k8s-privileged-pod';
import { k8sSecretsEnumerated } from './k8s-secrets-enumerated';
import { k8sSensitiveHostMount } from './k8s-sensitive-host-mount';
import { k8sServiceAccountToken } from './k8s-service-account-token';
import { k8sSystemRbacModified } from './k8s-system-rbac-modified';
import { maliciousIpConnection } from './malicious-ip-connection';
import { packageManagerInContainer } from './package-manager-in-container';
import { privilegedContainerStarted } from './privileged-container-started';
import { reverseShell } from './reverse-shell';
import { runtimeSocketFromContainer } from './runtime-socket-from-container';
import { sensitiveHostMountStarted } from './sensitive-host-mount-started';
import { sensitiveMountInContainer } from './sensitive-mount-in-container';
import { serviceAccountTokenRead } from './service-account-token-read';
import { shellHistoryCleared } from './shell-history-cleared';
import { shellInContainer } from './shell-in-container';
import { sshAuthorizedKeysModified } from './ssh-authorized-keys-modified';
import { sshServerInContainer } from './ssh-server-in-container';
import { terminalShellInContainer } from './terminal-shell-in-container';
import { webShellActivity } from './web-shell-activity';

/** Node rules, judged on the sensors' events. */
export const HOST_RULES: readonly Rule[] = [
  webShellActivity,
  reverseShell,
  shellInContainer,
  terminalShellInContainer,
  maliciousIpConnection,
  cryptoMining,
  privilegedContainerStarted,
  sensitiveHostMountStarted,
  sensitiveMountInContainer,
  containerEscapeTool,
  apiServerAccessFromContainer,
  clusterClientInContainer,
  cloudMetadataAccess,
  sshServerInContainer,
  downloadAndExecute,
  packageManagerInContainer,
  binaryNotInImage,
  filelessExecution,
  serviceAccountTokenRead,
  credentialsReadInContainer,
  shellHistoryCleared,
  runtimeSocketFromContainer,
  sshAuthorizedKeysModified,
];

/** Cluster rules, judged on the Kubernetes audit log. */
export const CLUSTER_RULES: readonly Rule[] = [
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
  k8sExposedSensitiveService,
  k8sDangerousCapabilities,
  k8sConfigMapCredentials,
  k8sSystemRbacModified,
  k8sAdmissionWebhookChanged,
  k8sSecretsEnumerated,
  k8sCorednsConfigChanged,
  k8sMaliciousImage,
  k8sKubeSystemServiceAccount,
];

export const RULES: readonly Rule[] = [...HOST_RULES, ...CLUSTER_RULES];
