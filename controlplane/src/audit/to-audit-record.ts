/** A normalized audit Event → Vigil's AuditRecord. */
import type { AuditRecord__Output } from '../../../proto/generated/vigil/v1/AuditRecord';
import type { K8sAuditEvent } from './k8s-audit-event';

const TIME_FIELDS = ['stageTimestamp', 'requestReceivedTimestamp', 'timestamp'] as const;

/** An RFC 3339 time to Unix nanoseconds, keeping the API server's microseconds; undefined when it is not a time. */
export function timeNs(s: string): string | undefined {
  const ms = Date.parse(s);
  if (Number.isNaN(ms) || ms < 0) return undefined;
  const fraction = /\.(\d+)/.exec(s)?.[1] ?? '';
  return `${ms}${fraction.slice(3, 9).padEnd(6, '0')}`;
}

/** The best time the event has, and which field it came from (AuditRecord.time_source). */
function bestTime(e: K8sAuditEvent, receivedAtMs: number, notes: string[]): { ns: string; source: string } {
  for (const field of TIME_FIELDS) {
    const s = e[field];
    if (s === undefined) continue;
    const ns = timeNs(s);
    if (ns) return { ns, source: field };
    notes.push(`${field} ${JSON.stringify(s)} is not a time`);
  }
  notes.push('no usable timestamp: time of receipt');
  return { ns: `${receivedAtMs}000000`, source: 'received' };
}

function decision(e: K8sAuditEvent): string {
  const d = e.annotations?.['authorization.k8s.io/decision'];
  if (d) return d;
  return e.responseStatus?.code === 403 ? 'forbid' : 'allow';
}

type WithMeta = { metadata?: { uid?: unknown; name?: unknown } } | null | undefined;

function responseUid(e: K8sAuditEvent): string {
  const meta = (e.responseObject as WithMeta)?.metadata;
  return typeof meta?.uid === 'string' ? meta.uid : (e.objectRef?.uid ?? '');
}

/**
 * The object's name. A create's URL has none: the API server fills it in
 * from the body at level Request and above, and only the response knows a
 * name made from generateName.
 */
function objectName(e: K8sAuditEvent): string {
  if (e.objectRef?.name || e.verb !== 'create' || e.objectRef?.subresource) return e.objectRef?.name ?? '';
  for (const o of [e.responseObject, e.requestObject]) {
    const name = (o as WithMeta)?.metadata?.name;
    if (typeof name === 'string' && name) return name;
  }
  return '';
}

/** `notes` says what intake filled in; the time's notes are added to it. */
export function toAuditRecord(e: K8sAuditEvent, receivedAtMs = Date.now(), notes: string[] = []): AuditRecord__Output {
  const ref = e.objectRef ?? {};
  const time = bestTime(e, receivedAtMs, notes);
  return {
    audit_id: e.auditID,
    stage: e.stage,
    time_unix_nano: time.ns,
    verb: e.verb,
    username: e.user?.username ?? '',
    groups: e.user?.groups ?? [],
    source_ips: e.sourceIPs ?? [],
    user_agent: e.userAgent ?? '',
    resource: ref.resource ?? '',
    subresource: ref.subresource ?? '',
    api_group: ref.apiGroup ?? '',
    namespace: ref.namespace ?? '',
    name: objectName(e),
    response_code: e.responseStatus?.code ?? 0,
    decision: decision(e),
    request_uri: e.requestURI ?? '',
    object_uid: responseUid(e),
    time_source: time.source,
    intake_notes: notes,
    impersonated_user: e.impersonatedUser?.username ?? '',
    api_version: e.apiVersion ?? '',
  };
}
