/**
 * Audit payloads to events, with no I/O: an EventList as the API server's
 * webhook posts it, one Event, JSON lines as its log backend writes them, an
 * AKS diagnostic record (the event as a JSON string in properties.log), or an
 * Event Hubs batch of such records. Each problem names the item it is about;
 * a caller that must store all or nothing checks `errors` first.
 */
import { AUDIT_API_VERSION, type K8sAuditEvent } from './k8s-audit-event';

export interface ParsedAudit {
  events: K8sAuditEvent[];
  errors: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why `v` is not a usable audit Event, or undefined when it is. */
function eventProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'is not a JSON object';
  if (v.kind !== 'Event') return `has kind ${JSON.stringify(v.kind ?? null)}, expected "Event"`;
  if (v.apiVersion !== AUDIT_API_VERSION) return `has apiVersion ${JSON.stringify(v.apiVersion ?? null)}, expected "${AUDIT_API_VERSION}"`;
  for (const field of ['auditID', 'stage', 'verb'] as const)
    if (typeof v[field] !== 'string' || v[field] === '') return `has no ${field}`;
  if (typeof v.stageTimestamp !== 'string' && typeof v.requestReceivedTimestamp !== 'string') return 'has no timestamp';
  if (v.objectRef !== undefined && !isObject(v.objectRef)) return 'has an objectRef that is not an object';
  return undefined;
}

function addEvent(out: ParsedAudit, v: unknown, where: string): void {
  const problem = eventProblem(v);
  if (problem) out.errors.push(`${where} ${problem}`);
  else out.events.push(v as K8sAuditEvent);
}

/** An AKS diagnostic record: category kube-audit(-admin), event as a string. */
function addAksRecord(out: ParsedAudit, v: Record<string, unknown>, where: string): void {
  const log = isObject(v.properties) ? v.properties.log : undefined;
  if (typeof log !== 'string') {
    out.errors.push(`${where} is a diagnostic record without properties.log`);
    return;
  }
  let inner: unknown;
  try {
    inner = JSON.parse(log);
  } catch (err) {
    out.errors.push(`${where} properties.log is not JSON: ${(err as Error).message}`);
    return;
  }
  addEvent(out, inner, `${where} properties.log`);
}

function addDocument(out: ParsedAudit, v: unknown, where: string): void {
  if (isObject(v) && v.kind === 'EventList') {
    if (v.apiVersion !== AUDIT_API_VERSION) {
      out.errors.push(`${where} is an EventList of apiVersion ${JSON.stringify(v.apiVersion ?? null)}, expected "${AUDIT_API_VERSION}"`);
      return;
    }
    if (!Array.isArray(v.items)) {
      out.errors.push(`${where} is an EventList without items`);
      return;
    }
    v.items.forEach((item, i) => addEvent(out, item, `${where} item ${i}`));
  } else if (isObject(v) && Array.isArray(v.records)) {
    v.records.forEach((r, i) => (isObject(r) ? addAksRecord(out, r, `${where} record ${i}`) : out.errors.push(`${where} record ${i} is not an object`)));
  } else if (isObject(v) && 'properties' in v) {
    addAksRecord(out, v, where);
  } else {
    addEvent(out, v, where);
  }
}

export function parseAuditPayload(text: string, source: string): ParsedAudit {
  const out: ParsedAudit = { events: [], errors: [] };
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') {
    out.errors.push(`${source} is empty`);
    return out;
  }
  let whole: unknown;
  try {
    whole = JSON.parse(body);
  } catch {
    // Not one document: JSON lines, as the log backend writes.
    body.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        addDocument(out, JSON.parse(line), `${source} line ${i + 1}`);
      } catch (err) {
        out.errors.push(`${source} line ${i + 1} is not JSON: ${(err as Error).message}`);
      }
    });
    return out;
  }
  addDocument(out, whole, source);
  return out;
}
