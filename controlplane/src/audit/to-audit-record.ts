/** Kubernetes' audit Event → Vigil's AuditRecord. */
import type { AuditRecord__Output } from '../../../proto/generated/vigil/v1/AuditRecord';
import type { K8sAuditEvent } from './k8s-audit-event';

function timeNs(e: K8sAuditEvent): string {
  const ms = Date.parse(e.stageTimestamp ?? e.requestReceivedTimestamp ?? '');
  return Number.isNaN(ms) ? '0' : `${ms}000000`;
}

function decision(e: K8sAuditEvent): string {
  const d = e.annotations?.['authorization.k8s.io/decision'];
  if (d) return d;
  return e.responseStatus?.code === 403 ? 'forbid' : 'allow';
}

function responseUid(e: K8sAuditEvent): string {
  const meta = (e.responseObject as { metadata?: { uid?: unknown } } | undefined)?.metadata;
  return typeof meta?.uid === 'string' ? meta.uid : (e.objectRef?.uid ?? '');
}

export function toAuditRecord(e: K8sAuditEvent): AuditRecord__Output {
  const ref = e.objectRef ?? {};
  return {
    audit_id: e.auditID,
    stage: e.stage,
    time_unix_nano: timeNs(e),
    verb: e.verb,
    username: e.user?.username ?? '',
    groups: e.user?.groups ?? [],
    source_ips: e.sourceIPs ?? [],
    user_agent: e.userAgent ?? '',
    resource: ref.resource ?? '',
    subresource: ref.subresource ?? '',
    api_group: ref.apiGroup ?? '',
    namespace: ref.namespace ?? '',
    name: ref.name ?? '',
    response_code: e.responseStatus?.code ?? 0,
    decision: decision(e),
    request_uri: e.requestURI ?? '',
    object_uid: responseUid(e),
    time_source: e.stageTimestamp ? 'stageTimestamp' : 'requestReceivedTimestamp',
    intake_notes: [],
    impersonated_user: e.impersonatedUser?.username ?? '',
    api_version: e.apiVersion,
  };
}
