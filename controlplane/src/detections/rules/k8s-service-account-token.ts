import type { AuditRule } from '../rule';
import { asObject, asString, succeededWrite, writtenObject } from '../../audit/k8s-objects';

/** Identities that request or mint service-account tokens as their job. */
function expectedTokenMinter(username: string): boolean {
  return username.startsWith('system:node:') || username.startsWith('system:serviceaccount:kube-system:') || username.startsWith('system:kube-') || username === 'system:apiserver';
}

export const k8sServiceAccountToken: AuditRule = {
  id: 'k8s-service-account-token',
  version: 1,
  title: 'Service account token created by an unusual user',
  description:
    'A service account token was requested (TokenRequest, serviceaccounts/token) or a long-lived token Secret ' +
    'created by a user that is not the kubelet or a control-plane component. Tokens minted by hand are portable ' +
    'credentials: an attacker uses them to act as the workload from anywhere. Triage: which service account, what ' +
    'it may do, and where the token was used next.',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1528', name: 'Steal Application Access Token', tactic: 'Credential Access' },
  sources: ['k8s_audit'],
  match(ev, record) {
    if (ev.stage !== 'ResponseComplete' || record.response_code >= 400 || expectedTokenMinter(record.username)) return null;
    if (record.resource === 'serviceaccounts' && record.subresource === 'token' && record.verb === 'create')
      return {
        summary: `${record.username} requested a token for service account ${record.namespace}/${record.name}`,
        namespace: record.namespace,
        fields: { service_account: `${record.namespace}/${record.name}` },
      };
    if (record.resource === 'secrets' && succeededWrite(ev)) {
      const secret = writtenObject(ev, 'Secret');
      if (asString(secret?.type) !== 'kubernetes.io/service-account-token') return null;
      const sa = asString(asObject(asObject(secret?.metadata)?.annotations)?.['kubernetes.io/service-account.name']);
      return {
        summary: `${record.username} created a long-lived token Secret ${record.namespace}/${record.name} for service account ${sa || '?'}`,
        namespace: record.namespace,
        fields: { service_account: `${record.namespace}/${sa}` },
      };
    }
    return null;
  },
};
