import { auditEvent } from '../../../../../controlplane/src/audit/audit-event-builder';
import { forbidden, ruleCases } from './k8s-rule-cases';

const dnsConfig = (verb: string, name = 'coredns', namespace = 'kube-system') => auditEvent({ verb, resource: 'configmaps', namespace, name });

ruleCases('k8s-coredns-config-changed', {
  should: [
    ['the Corefile patched', dnsConfig('patch')],
    ['AKS\'s coredns-custom updated', dnsConfig('update', 'coredns-custom')],
    ['the DNS configuration deleted', dnsConfig('delete')],
  ],
  shouldNot: [
    ['a read', dnsConfig('get')],
    ['a ConfigMap named coredns in another namespace', dnsConfig('update', 'coredns', 'shop')],
    ['a forbidden patch', forbidden(dnsConfig('patch'))],
  ],
});
