import type { AuditRule } from '../rule';

export const k8sPodExec: AuditRule = {
  id: 'k8s-pod-exec',
  version: 1,
  title: 'Exec or attach into a pod',
  description:
    'Someone opened a shell or attached to a container through the API server (kubectl exec / attach). It is how ' +
    'operators debug, and how attackers with stolen credentials run commands inside workloads. Triage: the user, ' +
    'the source IP and the command (in requestURI); on the node, the matching terminal-shell alert shows what was typed into.',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1609', name: 'Container Administration Command', tactic: 'Execution' },
  sources: ['k8s_audit'],
  match(ev, record) {
    if (record.resource !== 'pods' || !['exec', 'attach'].includes(record.subresource) || ev.stage !== 'ResponseComplete') return null;
    if (record.response_code >= 400 || record.decision === 'forbid') return null;
    const command = new URLSearchParams(record.request_uri.split('?')[1] ?? '').getAll('command').join(' ');
    return {
      summary: `${record.username} ran ${record.subresource}${command ? ` "${command}"` : ''} in pod ${record.namespace}/${record.name}`,
      namespace: record.namespace,
      pod: record.name,
      fields: { command, source_ips: record.source_ips.join(',') },
    };
  },
};
