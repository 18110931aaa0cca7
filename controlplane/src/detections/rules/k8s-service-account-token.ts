import type { AuditFinding, AuditRule } from '../rule';
import { actor, asArray, asObject, asString, byControlPlane, podSpecWrite, podSubject, podTarget, succeeded, succeededWrite, writtenObject, type Json } from '../../audit/k8s-objects';

export const k8sServiceAccountToken: AuditRule = {
  id: 'k8s-service-account-token',
  version: 2,
  title: 'Service account token created or mounted by an unusual user',
  description:
    'A service account token was requested (TokenRequest, serviceaccounts/token), a long-lived token Secret ' +
    'created, or a token projected into a workload by hand, by someone other than a node\'s kubelet or the ' +
    'control plane (named exactly: any other kube-system service account counts). Tokens minted by hand are ' +
    'portable credentials: an attacker uses them to act as the workload from anywhere, or mounts one with a ' +
    'chosen audience and lifetime into a pod they control. Known benign: CI systems that mint deploy tokens; ' +
    'except them by user. Triage: which service account, what it may do, and where the token was used next.',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1528', name: 'Steal Application Access Token', tactic: 'Credential Access' },
  sources: ['k8s_audit'],
  match(ev, record): AuditFinding | null {
    if (byControlPlane(ev)) return null;
    if (record.resource === 'serviceaccounts' && record.subresource === 'token' && record.verb === 'create' && succeeded(ev))
      return {
        summary: `${actor(record)} requested a token for service account ${record.namespace}/${record.name}`,
        namespace: record.namespace,
        fields: { service_account: `${record.namespace}/${record.name}` },
        subject: { name: record.name },
      };
    if (record.resource === 'secrets' && !record.subresource && succeededWrite(ev)) {
      const secret = writtenObject(ev, 'Secret');
      if (asString(secret?.type) !== 'kubernetes.io/service-account-token') return null;
      const sa = asString(asObject(asObject(secret?.metadata)?.annotations)?.['kubernetes.io/service-account.name']);
      return {
        summary: `${actor(record)} created a long-lived token Secret ${record.namespace}/${record.name} for service account ${sa || '?'}`,
        namespace: record.namespace,
        fields: { service_account: `${record.namespace}/${sa}` },
        subject: { name: record.name },
      };
    }
    const w = podSpecWrite(ev, true);
    const projected = w && projectedToken(w.spec);
    if (w && projected)
      return {
        summary: `${actor(record)} wrote ${w.kind} ${w.namespace}/${w.name}, which mounts a hand-projected token of service account ${asString(w.spec.serviceAccountName) || 'default'} (audience ${projected})`,
        ...podTarget(w),
        fields: { service_account: `${w.namespace}/${asString(w.spec.serviceAccountName) || 'default'}`, audience: projected },
        subject: podSubject(w),
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
