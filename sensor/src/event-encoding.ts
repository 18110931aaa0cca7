/**
 * Events encoded for the wire, with what repeats from event to event encoded
 * once. An exec carries its ancestry, most of its bytes, and the same
 * ancestors ride on exec after exec: the process tree hands out one object
 * per ancestor, encoded here once and kept while that object lives. A
 * process's connects and opens, and every event of one container, repeat
 * their Process and Container as well, in objects made afresh for each
 * event: those are kept by thread and by cgroup, and re-encoded only when a
 * field differs. Protobuf lets a message be written in parts, fields in any
 * order, so an event is its own fields followed by those ready-made bytes.
 */
import * as protobuf from 'protobufjs';
import type { Event } from '../../proto/generated/vigil/v1/Event';
import type { ProcessNode } from '../../proto/generated/vigil/v1/ProcessNode';
import type { Gap } from '../../proto/generated/vigil/v1/Gap';
import { type FlatWriter, withFlatWriter } from '../../proto/flat-writer';
import { messageType, messageWriter } from '../../proto/loader';
import { fieldTag } from '../../proto/plain-codec';

const eventFields = messageType('vigil.v1.Event').fields;

/** Encodes values of a sub-message field as they sit in an encoded Event: the field's tag, the length, the message. */
function embedder(field: protobuf.Field): (value: object) => Uint8Array {
  const write = messageWriter(field.resolvedType as protobuf.Type);
  const tag = fieldTag(field, 2);
  return (value) =>
    withFlatWriter((w) => {
      w.uint32(tag).fork();
      write(value, w);
      w.ldelim();
    });
}

const encodedAncestors = new WeakMap<ProcessNode, Uint8Array>();
const embedAncestor = embedder(eventFields.ancestry);

function ancestorBytes(node: ProcessNode): Uint8Array {
  let bytes = encodedAncestors.get(node);
  if (!bytes) {
    bytes = embedAncestor(node);
    encodedAncestors.set(node, bytes);
  }
  return bytes;
}

/** Entries, and bytes of their encodings, kept per kind: past either the cache starts over (a thread or cgroup that comes back is encoded again). */
const REPEATS_KEPT = 4096;
const REPEATS_KEPT_BYTES = 1024 * 1024;

/**
 * One sub-message field of Event whose values repeat under a key, with the
 * bytes of the last value seen under each key. A value is reused only when
 * every field the contract gives the message equals the kept copy's, so a
 * field added to the .proto is compared without a change here.
 */
class RepeatedField<T extends object> {
  private readonly kept = new Map<string | number, { copy: T; bytes: Uint8Array }>();
  private keptBytes = 0;
  private readonly fields: readonly protobuf.Field[];
  private readonly embed: (value: object) => Uint8Array;

  constructor(field: protobuf.Field) {
    this.embed = embedder(field);
    this.fields = (field.resolvedType as protobuf.Type).fieldsArray;
    for (const f of this.fields)
      if (f.resolvedType instanceof protobuf.Type || f.map) throw new Error(`${field.fullName}: ${f.name} is a message or map; RepeatedField compares scalars and repeated scalars only`);
  }

  get size(): number {
    return this.kept.size;
  }

  /** The bytes of `value`, neither looked up nor kept: for a value no event before carried. */
  fresh(value: T): Uint8Array {
    return this.embed(value);
  }

  bytes(key: string | number, value: T): Uint8Array {
    const hit = this.kept.get(key);
    if (hit && this.same(hit.copy, value)) return hit.bytes;
    const bytes = this.embed(value);
    if (this.kept.size >= REPEATS_KEPT || this.keptBytes + bytes.length > REPEATS_KEPT_BYTES) {
      this.kept.clear();
      this.keptBytes = 0;
    }
    // A copy: the caller may change its object after this event went out.
    this.kept.set(key, { copy: this.copy(value), bytes });
    this.keptBytes += bytes.length;
    return bytes;
  }

  private same(a: T, b: T): boolean {
    for (const f of this.fields) {
      const x = (a as Record<string, unknown>)[f.name];
      const y = (b as Record<string, unknown>)[f.name];
      if (x === y) continue;
      if (!f.repeated || !Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    }
    return true;
  }

  private copy(value: T): T {
    const out: Record<string, unknown> = {};
    for (const f of this.fields) {
      const v = (value as Record<string, unknown>)[f.name];
      out[f.name] = Array.isArray(v) ? v.slice() : v;
    }
    return out as T;
  }
}

const processes = new RepeatedField<NonNullable<Event['process']>>(eventFields.process);
const containers = new RepeatedField<NonNullable<Event['container']>>(eventFields.container);

/** Encodings kept for reuse, per kind (the metrics endpoint shows them). */
export function keptEncodings(): { process: number; container: number } {
  return { process: processes.size, container: containers.size };
}

/** An event's own fields: what encodeEvent appends already encoded is left out. */
const writeOwnFields = messageWriter(messageType('vigil.v1.Event'), ['process', 'container', 'ancestry']);

function writeEvent(ev: Event, w: FlatWriter): void {
  writeOwnFields(ev, w);
  const { process, container, ancestry } = ev;
  // An exec's process is new (its image was just replaced): no event before
  // it carried it, and most processes of an exec storm send nothing after,
  // so keeping a copy would only fill the cache with entries promoted to the
  // old generation and never read. The process's next event keeps it.
  if (process) w.raw(ev.exec ? processes.fresh(process) : processes.bytes(process.tid ?? 0, process));
  if (container) w.raw(containers.bytes(String(container.cgroup_id ?? ''), container));
  if (ancestry) for (const node of ancestry) w.raw(ancestorBytes(node));
}

export function encodeEvent(ev: Event): Uint8Array {
  return withFlatWriter((w) => writeEvent(ev, w));
}

const batchType = messageType('vigil.v1.EventBatchEncoded');
const writeBatchHeader = messageWriter(batchType, ['events', 'gap']);
const writeGap = messageWriter(batchType.fields.gap.resolvedType as protobuf.Type);
const BATCH_TAG = fieldTag(messageType('vigil.v1.SensorMessageEncoded').fields.batch, 2);
const EVENT_TAG = fieldTag(batchType.fields.events, 2);
const GAP_TAG = fieldTag(batchType.fields.gap, 2);

/**
 * A SensorMessage holding one batch, its events encoded by encodeEvent,
 * written in one pass into one buffer: each event straight into its place
 * in the batch, not encoded alone and then copied in.
 */
export function encodeBatchMessage(nodeName: string, seq: bigint, events: readonly Event[], gap: Gap | null): Buffer {
  return withFlatWriter((w) => {
    w.uint32(BATCH_TAG).fork();
    writeBatchHeader({ node_name: nodeName, seq: String(seq) }, w);
    for (const ev of events) {
      w.uint32(EVENT_TAG).fork();
      writeEvent(ev, w);
      w.ldelim();
    }
    if (gap) {
      w.uint32(GAP_TAG).fork();
      writeGap(gap, w);
      w.ldelim();
    }
    w.ldelim();
  });
}
