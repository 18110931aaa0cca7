import type { AuditFinding, AuditRule } from '../rule';
import { asArray, asObject, asString, podSpecWrite, podTarget, succeededWrite, writtenObject, type Json } from '../../audit/k8s-objects';

/** Identities that request or mint service-account tokens as their job. */
function expectedTokenMinter(username: string): boolean {
  return username.startsWith('system:node:') || username.startsWith('system:serviceaccount:kube-system:') || username.startsWith('system:kube-') || username === 'system:apiserver';
}

export const k8sServiceAccountToken: AuditRule = {
  id: 'k8s-service-account-token',
  version: 1,
  title: 'Service account token created or mounted by an unusual user',
  description:
    'A service account token was requested (TokenRequest, serviceaccounts/token), a long-lived token Secret ' +
    'created, or a token projected into a workload by hand, by a user that is not the kubelet or a control-plane ' +
    'component. Tokens minted by hand are portable credentials: an attacker uses them to act as the workload from ' +
    'anywhere, or mounts one with a chosen audience and lifetime into a pod they control. Triage: which service ' +
    'account, what it may do, and where the token was used next.',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1528', name: 'Steal Application Access Token', tactic: 'Credential Access' },
  sources: ['k8s_audit'],
  match(ev, record): AuditFinding | null {
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
    const w = podSpecWrite(ev, true);
    const projected = w && projectedToken(w.spec);
    if (w && projected)
      return {
        summary: `${record.username} wrote ${w.kind} ${w.namespace}/${w.name}, which mounts a hand-projected token of service account ${asString(w.spec.serviceAccountName) || 'default'} (audience ${projected})`,
        ...podTarget(w),
        fields: { service_account: `${w.namespace}/${asString(w.spec.serviceAccountName) || 'default'}`, audience: projected },
      };
    return null;
  },
};

/**
 * The audience of a service account token the pod spec projects itself.
 * Admission adds the usual one (kube-api-access-*) after the request, so a
 * projection in what the user sent was written on purpose.
 */
function projectedToken(spec: Json): string | undefined {
  for (const volume of asArray(spec.volumes)) {
    for (const source of asArray(asObject(asObject(volume)?.projected)?.sources)) {
      const token = asObject(asObject(source)?.serviceAccountToken);
      if (token) return asString(token.audience) || 'the API server';
    }
  }
  return undefined;
}
