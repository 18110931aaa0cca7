import type { AuditRule } from '../rule';
import { actor, succeeded } from '../../audit/k8s-objects';

export const k8sPodExec: AuditRule = {
  id: 'k8s-pod-exec',
  version: 2,
  title: 'Exec or attach into a pod',
  description:
    'Someone opened a shell or attached to a container through the API server (kubectl exec / attach). It is how ' +
    'operators debug, and how attackers with stolen credentials run commands inside workloads. The request is ' +
    'judged where it first appears in the log (ResponseStarted, 101, when the stream opens; a log may never hold ' +
    'its ResponseComplete) and raises one alert per request. Known benign: operators debugging, and tools and CI ' +
    'jobs that exec by design; except them by user or namespace. Triage: the user, the source IP and the command (in ' +
    'requestURI); on the node, the matching terminal-shell alert shows what was typed into.',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1609', name: 'Container Administration Command', tactic: 'Execution' },
  sources: ['k8s_audit'],
  match(ev, record) {
    if (record.resource !== 'pods' || !['exec', 'attach'].includes(record.subresource) || !succeeded(ev)) return null;
    const query = new URLSearchParams(record.request_uri.split('?')[1] ?? '');
    const command = query.getAll('command').join(' ');
    const container = query.get('container') ?? '';
    return {
      summary: `${actor(record)} ran ${record.subresource}${command ? ` "${command}"` : ''} in pod ${record.namespace}/${record.name}${container ? ` (container ${container})` : ''} from ${record.source_ips.join(', ') || 'an unknown address'}`,
      namespace: record.namespace,
      pod: record.name,
      fields: { command, container, source_ips: record.source_ips.join(',') },
      subject: { name: record.name, containers: container ? [container] : [] },
    };
  },
};
