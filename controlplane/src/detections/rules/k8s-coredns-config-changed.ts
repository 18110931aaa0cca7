import { listItems } from '../lists';
import type { AuditRule } from '../rule';
import { actor, changedByUser, did } from '../../audit/k8s-objects';

export function dnsConfigMaps(): readonly string[] {
  return listItems('dns_configmaps');
}

export const k8sCorednsConfigChanged: AuditRule = {
  id: 'k8s-coredns-config-changed',
  version: 1,
  title: 'Cluster DNS configuration changed',
  description:
    'The CoreDNS (or kube-dns) configuration in kube-system was created, changed or deleted by someone other than ' +
    'the control plane. Whoever controls the cluster\'s DNS decides where every workload\'s connections go: a ' +
    'rewrite or forward sends traffic for the API server, a database or a package registry to an attacker who ' +
    'reads credentials in transit or serves poisoned content. Known benign: platform add-on managers and planned ' +
    'DNS changes (stub domains, forwarders); except them by user. Triage: the Corefile before and after (request ' +
    'and response in the audit record), especially rewrite, forward, hosts and file plugins.',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1557', name: 'Adversary-in-the-Middle', tactic: 'Credential Access' },
  sources: ['k8s_audit'],
  match(ev, record) {
    if (record.resource !== 'configmaps' || record.namespace !== 'kube-system' || !dnsConfigMaps().includes(record.name) || !changedByUser(ev)) return null;
    return {
      summary: `${actor(record)} ${did(record.verb)} the cluster DNS configuration kube-system/${record.name}`,
      namespace: record.namespace,
      fields: { verb: record.verb },
      subject: { name: record.name },
    };
  },
};
