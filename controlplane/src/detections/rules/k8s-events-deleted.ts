import type { AuditRule } from '../rule';
import { actor, byControlPlane, succeeded } from '../../audit/k8s-objects';

export const k8sEventsDeleted: AuditRule = {
  id: 'k8s-events-deleted',
  version: 2,
  title: 'Kubernetes events deleted',
  description:
    'Someone deleted Kubernetes Event objects. The API server expires events on its own; a person or workload ' +
    'deleting them is usually covering tracks after an intrusion. Deletions by the control plane (the namespace ' +
    'controller emptying a deleted namespace) are not flagged. Known benign: clean-up scripts that prune events; ' +
    'except them by user. Triage: who, which namespace, and what happened ' +
    'there just before (the audit log still has it).',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1070', name: 'Indicator Removal', tactic: 'Defense Evasion' },
  sources: ['k8s_audit'],
  match(ev, record) {
    if (record.resource !== 'events' || !['delete', 'deletecollection'].includes(record.verb) || !succeeded(ev) || byControlPlane(ev)) return null;
    return {
      summary: `${actor(record)} deleted ${record.verb === 'deletecollection' ? 'all events' : `event ${record.name}`} in ${record.namespace || 'all namespaces'}`,
      namespace: record.namespace,
      fields: { verb: record.verb },
      subject: { name: record.name },
    };
  },
};
