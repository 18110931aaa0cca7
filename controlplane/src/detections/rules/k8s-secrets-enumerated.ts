import type { AuditRule } from '../rule';
import { actor, byControlPlane, succeeded } from '../../audit/k8s-objects';

export const k8sSecretsEnumerated: AuditRule = {
  id: 'k8s-secrets-enumerated',
  version: 1,
  title: 'Secrets listed across the cluster',
  description:
    'An identity other than the control plane listed or watched Secrets in every namespace at once (GET ' +
    '/api/v1/secrets). One such request returns every password, key and service account token the cluster ' +
    'stores: it is how stolen credentials turn into all credentials (Stratus Red Team: k8s.credential-access.' +
    'dump-secrets). A watch is judged when it opens. Known benign: controllers that read secrets everywhere by ' +
    'design (ingress controllers, cert-manager, external-secrets, Argo CD, backup tools, kube-state-metrics); ' +
    'except them by user. Triage: who, from which address and user agent, and whether that identity normally ' +
    'does this; rotate what it could read if not.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1552.007', name: 'Unsecured Credentials: Container API', tactic: 'Credential Access' },
  sources: ['k8s_audit'],
  match(ev, record) {
    if (record.resource !== 'secrets' || record.namespace || record.subresource || !['list', 'watch'].includes(record.verb)) return null;
    if (!succeeded(ev) || byControlPlane(ev)) return null;
    return {
      summary: `${actor(record)} ${record.verb === 'watch' ? 'watched' : 'listed'} the secrets of every namespace from ${record.source_ips.join(', ') || 'an unknown address'} (${record.user_agent || 'no user agent'})`,
      fields: { verb: record.verb, source_ips: record.source_ips.join(',') },
      subject: {},
    };
  },
};
