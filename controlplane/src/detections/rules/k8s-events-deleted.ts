import type { AuditRule } from '../rule';
import { isSystemUser } from '../../audit/k8s-objects';

export const k8sEventsDeleted: AuditRule = {
  id: 'k8s-events-deleted',
  version: 1,
  title: 'Kubernetes events deleted',
  description:
    'Someone deleted Kubernetes Event objects. The API server expires events on its own; a person or workload ' +
    'deleting them is usually covering tracks after an intrusion. Triage: who, which namespace, and what happened ' +
    'there just before (the audit log still has it).',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1070', name: 'Indicator Removal', tactic: 'Defense Evasion' },
  sources: ['k8s_audit'],
  match(ev, record) {
    if (record.resource !== 'events' || !['delete', 'deletecollection'].includes(record.verb) || ev.stage !== 'ResponseComplete') return null;
    if (record.response_code >= 400 || isSystemUser(record.username)) return null;
    return {
      summary: `${record.username} deleted ${record.verb === 'deletecollection' ? 'all events' : `event ${record.name}`} in ${record.namespace || 'all namespaces'}`,
      namespace: record.namespace,
      fields: { verb: record.verb },
    };
  },
};
