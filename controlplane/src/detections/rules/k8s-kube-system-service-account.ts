import type { AuditRule } from '../rule';
import { actor, byControlPlane, succeeded } from '../../audit/k8s-objects';

export const k8sKubeSystemServiceAccount: AuditRule = {
  id: 'k8s-kube-system-service-account',
  version: 1,
  title: 'Service account created in kube-system by a user',
  description:
    'Someone other than the control plane created a ServiceAccount in kube-system. Accounts there look like the ' +
    'platform\'s own, are rarely reviewed, and are where attackers park an identity to bind to cluster-admin ' +
    '(Stratus Red Team: k8s.persistence.create-admin-clusterrole). Known benign: add-ons installed into ' +
    'kube-system (metrics-server, cloud controllers, CSI drivers) by Helm or an add-on manager; except them by ' +
    'user or name. Triage: which bindings name the account next, and which tokens are requested for it.',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1136', name: 'Create Account', tactic: 'Persistence' },
  sources: ['k8s_audit'],
  match(ev, record) {
    if (record.resource !== 'serviceaccounts' || record.namespace !== 'kube-system' || record.subresource || record.verb !== 'create') return null;
    if (!succeeded(ev) || byControlPlane(ev)) return null;
    return {
      summary: `${actor(record)} created service account kube-system/${record.name || '(name not logged)'}`,
      namespace: record.namespace,
      fields: {},
      subject: { name: record.name },
    };
  },
};
