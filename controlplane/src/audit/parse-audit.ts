/**
 * Audit payloads to events, with no I/O: an EventList as the API server's
 * webhook posts it, one Event, JSON lines as its log backend writes them, an
 * AKS diagnostic record (the event as a JSON string in properties.log), or an
 * Event Hubs batch of such records. A bad item is a problem naming the item
 * and why; it never takes the others down with it.
 */
import { normalizeEvent, type IntakeEvent } from './normalize-event';

/** Input that was not stored as an event. */
export interface IntakeProblem {
  /** Where and why, e.g. `body item 3 field sourceIPs must be array, got string`. */
  reason: string;
  bytes: number;
  /** The input itself, when there is one to keep. */
  text?: string;
  /** Byte offset in a log file. */
  offset?: number;
}

export interface ParsedAudit {
  events: IntakeEvent[];
  problems: IntakeProblem[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects the events and problems of one payload, or of the lines of one read of a log file. */
export class AuditParser implements ParsedAudit {
  readonly events: IntakeEvent[] = [];
  readonly problems: IntakeProblem[] = [];
  /** Byte offset of the log line being parsed. */
  private offset: number | undefined;

  constructor(private readonly receivedAtMs: number) {}

  /** One line of a JSON-lines audit log, which starts at byte `offset` of its file. */
  line(text: string, where: string, offset?: number): void {
    this.offset = offset;
    const line = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    if (line.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      return this.problem(`${where} is not JSON: ${(err as Error).message}`, undefined, line);
    }
    this.document(v, line, where);
  }

  /** Input skipped unread (an over-long log line): recorded by place and size only. */
  skippedUnread(reason: string, bytes: number, offset: number): void {
    this.problems.push({ reason, bytes, offset });
  }

  problem(reason: string, value: unknown, text?: string): void {
    const kept = text ?? (value === undefined ? undefined : JSON.stringify(value));
    this.problems.push({ reason, bytes: kept === undefined ? 0 : Buffer.byteLength(kept), text: kept, offset: this.offset });
  }

  private event(v: unknown, text: string | undefined, where: string): void {
    const raw = text ?? JSON.stringify(v);
    const result = normalizeEvent(v, raw, this.receivedAtMs);
    if (typeof result === 'string') this.problem(`${where} ${result}`, undefined, raw);
    else this.events.push(result);
  }

  /** An AKS diagnostic record: category kube-audit(-admin), event as a string. */
  private aksRecord(v: Record<string, unknown>, where: string): void {
    const log = isObject(v.properties) ? v.properties.log : undefined;
    if (typeof log !== 'string') return this.problem(`${where} is a diagnostic record without properties.log`, v);
    let inner: unknown;
    try {
      inner = JSON.parse(log);
    } catch (err) {
      return this.problem(`${where} properties.log is not JSON: ${(err as Error).message}`, undefined, log);
    }
    this.event(inner, log.trimEnd(), `${where} properties.log`);
  }

  /** A document already parsed from `text`. */
  whole(v: unknown, text: string, where: string): void {
    this.offset = undefined;
    this.document(v, text.trim(), where);
  }

  private document(v: unknown, text: string | undefined, where: string): void {
    if (isObject(v) && v.kind === 'EventList') {
      if (!Array.isArray(v.items)) return this.problem(`${where} is an EventList without items`, v, text);
      v.items.forEach((item, i) => this.event(item, undefined, `${where} item ${i}`));
    } else if (isObject(v) && Array.isArray(v.records)) {
      v.records.forEach((r, i) => (isObject(r) ? this.aksRecord(r, `${where} record ${i}`) : this.problem(`${where} record ${i} is not an object`, r)));
    } else if (isObject(v) && isObject(v.properties) && v.verb === undefined) {
      this.aksRecord(v, where);
    } else {
      this.event(v, text, where);
    }
  }
}

/** A webhook body: one JSON document, or JSON lines. */
export function parseAuditPayload(text: string, source: string, receivedAtMs: number): ParsedAudit {
  const out = new AuditParser(receivedAtMs);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') {
    out.problem(`${source} is empty`, undefined);
    return out;
  }
  let whole: unknown;
  try {
    whole = JSON.parse(body);
  } catch {
    // Not one document: JSON lines, as the log backend writes.
    body.split('\n').forEach((line, i) => out.line(line, `${source} line ${i + 1}`));
    return out;
  }
  out.whole(whole, body, source);
  return out;
}
