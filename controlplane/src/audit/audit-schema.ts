/**
 * The types of the audit Event fields Vigil reads, checked with one compiled
 * ajv validator: a field of the wrong JSON type is named and the event
 * skipped at intake, instead of failing later in the store or in a rule.
 * Every field is optional here (what must be there is decided in
 * normalize-event.ts) and may be null, which exports write for "absent";
 * fields Vigil does not read are let through unchecked.
 */
import Ajv from 'ajv';

const str = { type: 'string', nullable: true } as const;
const strings = { type: 'array', nullable: true, items: { type: 'string' } } as const;

const user = {
  type: 'object',
  nullable: true,
  properties: { username: str, uid: str, groups: strings, extra: { type: 'object', nullable: true, additionalProperties: strings } },
} as const;

export const AUDIT_EVENT_SCHEMA = {
  type: 'object',
  properties: {
    kind: str,
    apiVersion: str,
    level: str,
    auditID: str,
    stage: str,
    requestURI: str,
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
    annotations: { type: 'object', nullable: true, additionalProperties: { type: 'string' } },
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

/** Each field of `v` whose type is wrong, as "field X must be T, got U"; empty when all are right. */
export function typeProblems(v: object): string[] {
  if (validate(v)) return [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of validate.errors ?? []) {
    if (seen.has(e.instancePath)) continue;
    seen.add(e.instancePath);
    out.push(`field ${fieldName(e.instancePath) || '(the event)'} ${e.message ?? 'is invalid'}, got ${jsonType(valueAt(v, e.instancePath))}`);
  }
  return out;
}
