/**
 * Should/should-not cases for cluster rules: each rule's test file lists
 * events that must raise it and close-but-benign or evasive twins that must
 * not (or must, for evasions). Events go through intake's record, as in
 * production.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditEvent, container, createWorkload } from '../../../../../controlplane/src/audit/audit-event-builder';
import type { K8sAuditEvent, K8sUser } from '../../../../../controlplane/src/audit/k8s-audit-event';
import { toAuditRecord } from '../../../../../controlplane/src/audit/to-audit-record';
import type { AuditContext, AuditFinding, AuditRule } from '../../../../../controlplane/src/detections/rule';
import { RULES } from '../../../../../controlplane/src/detections/rules';

export const NO_HISTORY: AuditContext = { roleRisks: () => [] };

export function auditRule(id: string): AuditRule {
  const rule = RULES.find((r) => r.id === id);
  assert.ok(rule && rule.sources.includes('k8s_audit' as never), `no cluster rule ${id}`);
  return rule as AuditRule;
}

export function judge(id: string, e: K8sAuditEvent, ctx: AuditContext = NO_HISTORY): AuditFinding | null {
  return auditRule(id).match(e, toAuditRecord(e), ctx);
}

export type Case = [why: string, event: K8sAuditEvent];

/** The request as `username` (with `groups`) authenticated. */
export function as(e: K8sAuditEvent, username: string, groups = ['system:authenticated']): K8sAuditEvent {
  return { ...e, user: { username, groups } };
}

export function impersonating(e: K8sAuditEvent, impersonatedUser: K8sUser): K8sAuditEvent {
  return { ...e, impersonatedUser };
}

/** One of the control plane's own controllers, as it authenticates. */
export function asController(e: K8sAuditEvent, serviceAccount: string): K8sAuditEvent {
  return as(e, `system:serviceaccount:kube-system:${serviceAccount}`, ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated']);
}

/** An add-on installed in kube-system: a service account there, but not the control plane. */
export function asAddOn(e: K8sAuditEvent, serviceAccount = 'tiller'): K8sAuditEvent {
  return asController(e, serviceAccount);
}

export function forbidden(e: K8sAuditEvent): K8sAuditEvent {
  return { ...e, responseStatus: { code: 403, status: 'Failure', reason: 'Forbidden' }, responseObject: undefined, annotations: { 'authorization.k8s.io/decision': 'forbid' } };
}

/** kubectl debug --profile=sysadmin: a strategic-merge patch of pods/ephemeralcontainers; the response is the pod. */
export function debugContainer(securityContext: object | undefined, podExtra: object = {}): K8sAuditEvent {
  const ephemeral = { name: 'debugger-x1', image: 'busybox:1.36', targetContainerName: 'web', ...(securityContext ? { securityContext } : {}) };
  return {
    ...auditEvent({ verb: 'patch', resource: 'pods', subresource: 'ephemeralcontainers', namespace: 'shop', name: 'web-0', requestObject: { spec: { ephemeralContainers: [ephemeral] } } }),
    responseObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web-0', namespace: 'shop', uid: 'pod-uid-1', labels: { app: 'web' } }, spec: { containers: [container('web', 'nginx')], ephemeralContainers: [ephemeral], ...podExtra } },
  };
}

/** A pod the ReplicaSet controller made from a template. */
export function replica(spec: Record<string, unknown>): K8sAuditEvent {
  const e = asController(createWorkload('Pod', 'shop', 'web-7d9f8-abcde', spec), 'replicaset-controller');
  (e.requestObject as { metadata: object }).metadata = { name: 'web-7d9f8-abcde', namespace: 'shop', ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7d9f8', uid: 'rs-uid', controller: true }] };
  return e;
}

export function ruleCases(id: string, cases: { should: Case[]; shouldNot: Case[] }): void {
  describe(id, () => {
    test('should trigger, and describe its subject', () => {
      for (const [why, e] of cases.should) {
        const f = judge(id, e);
        assert.ok(f, `${id} should trigger: ${why}`);
        assert.ok(f.subject, `${id} names no subject: ${why}`);
        assert.ok(f.summary.length > 10, why);
      }
    });
    test('should not trigger', () => {
      for (const [why, e] of cases.shouldNot) assert.equal(judge(id, e), null, `${id} should not trigger: ${why}`);
    });
  });
}
