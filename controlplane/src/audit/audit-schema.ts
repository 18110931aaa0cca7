/**
 * The types and bounds of the audit Event fields Vigil reads, checked with
 * one compiled ajv validator: a field of the wrong JSON type, or longer than
 * any API server writes, is named and the event skipped at intake, instead
 * of failing later in the store or in a rule.
 * Every field is optional here (what must be there is decided in
 * normalize-event.ts) and may be null, which exports write for "absent";
 * fields Vigil does not read are let through unchecked.
 */
import Ajv from 'ajv';
import { ENTRIES, STRING_CHARS } from '../../../proto/field-limits';

/** A request URI may carry a long query; other bounds are those of the sensor's events. */
const URI_CHARS = 16_384;

const str = { type: 'string', nullable: true, maxLength: STRING_CHARS } as const;
const strings = { type: 'array', nullable: true, maxItems: ENTRIES, items: { type: 'string', maxLength: STRING_CHARS } } as const;

const user = {
  type: 'object',
  nullable: true,
  properties: { username: str, uid: str, groups: strings, extra: { type: 'object', nullable: true, maxProperties: ENTRIES, additionalProperties: strings } },
} as const;

export const AUDIT_EVENT_SCHEMA = {
  type: 'object',
  properties: {
    kind: str,
    apiVersion: str,
    level: str,
    auditID: str,
    stage: str,
    requestURI: { type: 'string', nullable: true, maxLength: URI_CHARS },
    verb: str,
    user,
    impersonatedUser: user,
    sourceIPs: strings,
    userAgent: str,
    objectRef: {
      type: 'object',
      nullable: true,
      properties: { resource: str, namespace: str, name: str, uid: str, apiGroup: str, apiVersion: str, resourceVersion: str, subresource: str },
    },
    responseStatus: {
      type: 'object',
      nullable: true,
      properties: { code: { type: 'integer', nullable: true }, status: str, reason: str, message: str },
    },
    requestReceivedTimestamp: str,
    stageTimestamp: str,
    timestamp: str,
    annotations: { type: 'object', nullable: true, maxProperties: ENTRIES, additionalProperties: { type: 'string', maxLength: STRING_CHARS } },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: true }).compile(AUDIT_EVENT_SCHEMA);

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** `/user/groups/0` → `user.groups[0]`, the way a reader names a field. */
function fieldName(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : `${i ? '.' : ''}${p.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('');
}

function valueAt(v: unknown, pointer: string): unknown {
  let at = v;
  for (const p of pointer.split('/').slice(1)) at = (at as Record<string, unknown> | undefined)?.[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  return at;
}

/** Each field of `v` whose type or size is wrong, as "field X must be T, got U"; empty when all are right. */
export function typeProblems(v: object): string[] {
  if (validate(v)) return [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of validate.errors ?? []) {
    if (seen.has(e.instancePath)) continue;
    seen.add(e.instancePath);
    const value = valueAt(v, e.instancePath);
    const got = e.keyword === 'maxLength' ? `${(value as string).length} characters` : e.keyword === 'maxItems' ? `${(value as unknown[]).length} entries` : e.keyword === 'maxProperties' ? `${Object.keys(value as object).length} entries` : jsonType(value);
    out.push(`field ${fieldName(e.instancePath) || '(the event)'} ${e.message ?? 'is invalid'}, got ${got}`);
  }
  return out;
}
