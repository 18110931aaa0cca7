/**
 * One candidate audit event to what detections read. Real pipelines hand
 * over events in many states: v1alpha1's lone `timestamp`, exports that drop
 * auditID and stage, log pipelines that move fields under `attributes`. Only
 * what cannot be an audit event at all is refused (not an object, another
 * kind, or none of verb, objectRef and requestURI) and what has a field of
 * the wrong type; the rest is filled in, and the record says what was.
 */
import { createHash } from 'node:crypto';
import type { AuditRecord__Output } from '../../../proto/generated/vigil/v1/AuditRecord';
import { typeProblems } from './audit-schema';
import type { K8sAuditEvent, K8sObjectRef } from './k8s-audit-event';
import { toAuditRecord } from './to-audit-record';

/** An event ready to store and judge. */
export interface IntakeEvent {
  raw: K8sAuditEvent;
  record: AuditRecord__Output;
  /** The event as the source sent it, stored beside the record. */
  text: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The resource a request path names, for events that lost their objectRef:
 * /api/v1/namespaces/NS/RESOURCE/NAME/SUB and /apis/GROUP/VERSION/...
 */
export function objectRefFromUri(uri: string): K8sObjectRef | undefined {
  const parts = uri.split('?')[0].split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  let rest: string[];
  const ref: K8sObjectRef = {};
  if (parts[0] === 'api' && parts.length > 2) {
    ref.apiVersion = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length > 3) {
    ref.apiGroup = parts[1];
    ref.apiVersion = parts[2];
    rest = parts.slice(3);
  } else return undefined;
  if (rest[0] === 'namespaces' && rest.length > 2) {
    ref.namespace = rest[1];
    rest = rest.slice(2);
  }
  [ref.resource, ref.name, ref.subresource] = rest;
  for (const k of ['name', 'subresource'] as const) if (ref[k] === undefined) delete ref[k];
  return ref;
}

/**
 * `input` as an IntakeEvent, or why it is refused. `raw` is the event as the
 * source sent it, which is stored and from which a missing auditID is
 * derived. `input` may be changed.
 */
export function normalizeEvent(input: unknown, raw: string, receivedAtMs: number): IntakeEvent | string {
  if (!isObject(input)) return 'is not a JSON object';
  const notes: string[] = [];

  let v = input;
  if (isObject(v.attributes) && v.verb === undefined && v.objectRef === undefined) {
    const { attributes, ...rest } = v;
    v = { ...attributes, ...rest };
    notes.push('fields read from "attributes", where a log pipeline put them');
  }
  if (v.kind !== undefined && v.kind !== null && v.kind !== 'Event') return `has kind ${JSON.stringify(v.kind)}: not an audit Event`;
  // Exports write null for what the API server leaves out.
  for (const k in v) if (v[k] === null) delete v[k];
  const types = typeProblems(v);
  if (types.length) return types.join('; ');

  const e = v as unknown as K8sAuditEvent;
  if (!e.verb) {
    const method = isObject(v.http) ? v.http.method : undefined;
    if (typeof method === 'string' && /^[a-z]+$/.test(method)) {
      e.verb = method;
      notes.push('verb read from http.method');
    }
  }
  const status = isObject(v.http) ? v.http.status_code : undefined;
  if (!e.responseStatus && Number.isInteger(status)) {
    e.responseStatus = { code: status as number };
    notes.push('response code read from http.status_code');
  }
  if (!e.objectRef && e.requestURI) {
    const ref = objectRefFromUri(e.requestURI);
    if (ref) {
      e.objectRef = ref;
      notes.push('objectRef derived from requestURI');
    }
  }
  if (!e.verb && !e.objectRef && !e.requestURI) return 'has no verb, objectRef or requestURI: not an audit event';
  e.verb ??= '';
  if (!e.auditID) {
    e.auditID = `derived-${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
    notes.push('auditID derived from the content');
  }
  if (!e.stage) {
    e.stage = 'ResponseComplete';
    notes.push('no stage: taken as ResponseComplete');
  }
  return { raw: e, record: toAuditRecord(e, receivedAtMs, notes), text: raw };
}
