/**
 * The audit traffic the audit benchmarks send: mostly reads by service
 * accounts, with a Deployment write every 50 events and a Role write every
 * 125, as a busy cluster's API server logs them at RequestResponse.
 */
import { auditEvent, container, createWorkload, podSpec, rbacObject } from '../../controlplane/src/audit/audit-event-builder';
import type { K8sAuditEvent } from '../../controlplane/src/audit/k8s-audit-event';

/** `n` events; each auditID is `${prefix}-${i}`, so a new prefix makes them new to the store. */
export function auditMix(n: number, prefix: string): K8sAuditEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const e =
      i % 50 === 0
        ? createWorkload('Deployment', 'shop', `web-${i}`, podSpec([container('web', 'registry.example.com/web:1.2')]))
        : i % 125 === 0
          ? rbacObject('Role', `reader-${i}`, { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] }, 'shop')
          : auditEvent({ verb: i % 3 ? 'get' : 'list', resource: 'configmaps', namespace: 'shop', name: `cm-${i % 40}`, username: `system:serviceaccount:shop:app-${i % 7}` });
    e.auditID = `${prefix}-${i}`;
    return e;
  });
}
