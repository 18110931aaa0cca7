/**
 * When two audit findings are the same finding: same rule, same object,
 * same authenticated user and same facts. Only such repeats merge into one
 * alert; anything that differs (another pod, another command, a role
 * re-created with other rules) is an alert of its own.
 */
import type { AuditRecord__Output } from '../../../proto/generated/vigil/v1/AuditRecord';
import type { AuditFinding } from '../detections/rule';
import type { K8sAuditEvent } from './k8s-audit-event';
import { controllerOwnerUid } from './k8s-objects';

const COLLECTION_VERBS = new Set(['list', 'watch', 'deletecollection']);

/**
 * The object a request is about, as stably as the event tells: the
 * controller that owns it (so the replicas of one workload are one object),
 * its uid, its namespace and name, the collection a list reads, or else
 * only this request.
 */
export function auditObjectKey(ev: K8sAuditEvent, record: AuditRecord__Output): string {
  const owner = controllerOwnerUid(ev);
  if (owner) return `owner:${owner}`;
  if (record.object_uid) return `uid:${record.object_uid}`;
  const ref = `${record.api_group}/${record.resource}${record.subresource ? `/${record.subresource}` : ''} ${record.namespace}`;
  if (record.name) return `name:${ref}/${record.name}`;
  if (COLLECTION_VERBS.has(record.verb)) return `collection:${ref}`;
  return `request:${record.audit_id}`;
}

export function auditMergeKey(ruleId: string, cluster: string, ev: K8sAuditEvent, record: AuditRecord__Output, finding: AuditFinding): string {
  const fields = finding.fields ?? {};
  const facts = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('\u0000');
  return [ruleId, cluster, auditObjectKey(ev, record), record.username, facts].join('\u0001');
}
