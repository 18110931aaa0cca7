import type { AuditRule } from '../rule';
import { succeeded } from '../../audit/k8s-objects';

/** Endpoints anonymous callers may reach by design. */
const PUBLIC_PATHS = /^\/(healthz|livez|readyz|version|\.well-known\/openid-configuration|openid\/v1\/jwks)(\/|\?|$)/;

export const k8sAnonymousRequestAllowed: AuditRule = {
  id: 'k8s-anonymous-request-allowed',
  version: 2,
  title: 'Anonymous request allowed',
  description:
    'The API server let an unauthenticated (system:anonymous) caller through to something other than its health and ' +
    'discovery endpoints. That means a binding grants rights to anonymous users: anyone who reaches the API server ' +
    'has them. Known benign: a cluster that serves some read-only API to anonymous callers on purpose; except it by ' +
    'request path. Triage: find the RoleBinding/ClusterRoleBinding naming system:anonymous or system:unauthenticated.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1078.001', name: 'Valid Accounts: Default Accounts', tactic: 'Initial Access' },
  sources: ['k8s_audit'],
  match(ev, record) {
    if (record.username !== 'system:anonymous' || record.decision !== 'allow' || !succeeded(ev)) return null;
    if (PUBLIC_PATHS.test(record.request_uri)) return null;
    return {
      summary: `anonymous ${record.verb} of ${record.request_uri} from ${record.source_ips.join(', ') || 'unknown address'} was allowed`,
      namespace: record.namespace,
      fields: { request_uri: record.request_uri.split('?')[0], source_ips: record.source_ips.join(',') },
      subject: { name: record.name },
    };
  },
};
