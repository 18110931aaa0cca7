/**
 * The parts of an event that repeat from event to event (its Process,
 * Container and namespaces, on an exec the executed file and the ancestors
 * that rode on the execs before it, on a connect its destination) arrive as
 * the same bytes each time, and decoding them was most of the control
 * plane's decoding. Those message types decode here through a bounded cache
 * keyed by their exact bytes: the same bytes give one plain object, which
 * every event carrying those bytes then shares. A shared object
 * is frozen, arrays included, so no event's reader can change another's;
 * and since it cannot change, a check that passed it once (field limits)
 * may pass it again without a look.
 */
import * as protobuf from 'protobufjs';
import type { NestedDecode } from './plain-codec';

/** Messages, and bytes of them, kept per type and depth (and as many seen too few times): past either the cache starts over, so an event's 256 KiB cannot make it large. */
const KEPT = 2048;
const KEPT_BYTES = 1024 * 1024;

/** Bytes hashed from a message's start, where its ids (pids, inode numbers) sit. */
const HEAD_BYTES = 16;
/** Bytes sampled, evenly spread, from the rest. */
const SAMPLES = 16;

/**
 * A hash of a message's length, its first bytes and a spread of the rest:
 * constant work whatever the length (an ancestor's command line may run to
 * kilobytes). Messages that hash alike are told apart by their bytes, so a
 * weak hash costs a comparison, never a wrong decode.
 */
function sampledHash(buf: Buffer, start: number, end: number): number {
  let h = Math.imul(end - start, 0x9e3779b1);
  const head = Math.min(end, start + HEAD_BYTES);
  for (let i = start; i < head; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  const step = Math.max(1, Math.floor((end - head) / SAMPLES));
  for (let i = end - 1; i >= head; i -= step) h = Math.imul(h ^ buf[i], 0x01000193);
  return h & 0x3fffffff; // a small integer: V8 keeps it unboxed
}

/** The sighting from which the same bytes decode to one shared object. */
const SHARED_FROM = 3;

/** Messages kept under one hash at most: past it, more that hash alike decode without the cache. */
const MAX_ALIKE = 4;

/** Below this length a loop compares faster than a call into Buffer.compare. */
const LOOP_COMPARE_BYTES = 48;

function sameBytes(kept: Buffer, buf: Buffer, start: number, end: number): boolean {
  const n = end - start;
  if (kept.length !== n) return false;
  if (n > LOOP_COMPARE_BYTES) return buf.compare(kept, 0, n, start, end) === 0;
  for (let i = 0; i < n; i++) if (kept[i] !== buf[start + i]) return false;
  return true;
}

interface Entry<V> {
  bytes: Buffer;
  value: V;
  /** The next entry whose bytes hash alike. */
  next: Entry<V> | undefined;
}

/**
 * Values by the exact bytes of a message, found by sampledHash and checked
 * byte for byte: a repeat is found without copying its bytes, and only a
 * message kept (or noted as seen before) has its bytes copied. Starts over
 * past KEPT entries or KEPT_BYTES.
 */
class BoundedByBytes<V> {
  private readonly entries = new Map<number, Entry<V>>();
  private count = 0;
  private bytes = 0;

  get(buf: Buffer, start: number, end: number, hash: number): V | undefined {
    for (let e = this.entries.get(hash); e; e = e.next) if (sameBytes(e.bytes, buf, start, end)) return e.value;
    return undefined;
  }

  set(buf: Buffer, start: number, end: number, hash: number, value: V): void {
    // Command lines are the sender's to choose, and the hash samples fixed
    // places: messages made to hash alike are not kept past a few, so that
    // no lookup walks a long chain of them.
    let alike = 0;
    for (let e = this.entries.get(hash); e; e = e.next) if (++alike >= MAX_ALIKE) return;
    if (this.count >= KEPT || this.bytes + (end - start) > KEPT_BYTES) {
      this.entries.clear();
      this.count = 0;
      this.bytes = 0;
    }
    // A copy: the batch's buffer is not kept alive by its messages.
    this.entries.set(hash, { bytes: Buffer.from(buf.subarray(start, end)), value, next: this.entries.get(hash) });
    this.count++;
    this.bytes += end - start;
  }

  /** Whether these bytes were there; they are not after. */
  take(buf: Buffer, start: number, end: number, hash: number): boolean {
    let prev: Entry<V> | undefined;
    for (let e = this.entries.get(hash); e; prev = e, e = e.next) {
      if (!sameBytes(e.bytes, buf, start, end)) continue;
      if (prev) prev.next = e.next;
      else if (e.next) this.entries.set(hash, e.next);
      else this.entries.delete(hash);
      this.count--;
      this.bytes -= e.bytes.length;
      return true;
    }
    return false;
  }
}

/** Plain objects handed to more than one event: frozen, and the same for as long as anyone holds them. */
const sharedObjects = new WeakSet<object>();

/**
 * Whether `value` is a frozen object that decodes of repeated bytes share.
 * isFrozen first: callers ask about every message of every event, and most
 * are not shared; a WeakSet lookup each would cost more than it spares.
 */
export function isSharedDecode(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.isFrozen(value) && sharedObjects.has(value);
}

function share(object: Record<string, unknown>): Record<string, unknown> {
  // Only scalars and lists of scalars below: sharedRepeats takes no type with message fields.
  for (const v of Object.values(object)) if (Array.isArray(v)) Object.freeze(v);
  sharedObjects.add(Object.freeze(object));
  return object;
}

/**
 * Wraps the nested decoders of the types named in `names` (full names) so
 * that the same bytes give one shared object from their SHARED_FROM-th sighting on.
 */
export function sharedRepeats(names: ReadonlySet<string>): NestedDecode {
  return (type, decode) => {
    if (!names.has(type.fullName)) return decode;
    for (const f of type.fieldsArray) {
      f.resolve();
      if (f.resolvedType instanceof protobuf.Type || f.map) throw new Error(`${type.fullName}.${f.name} is a message or a map: sharedRepeats freezes scalars and lists of scalars only`);
    }
    // What bytes decode to depends on how deep they sit too: unknown groups
    // inside them may pass the nesting limit at one depth and not at another.
    // Each depth keeps its own; the contract puts a type at a few depths only.
    const byDepth: { kept: BoundedByBytes<Record<string, unknown>>; seen: BoundedByBytes<{ times: number }> }[] = [];
    return (r, length, depth) => {
      // From a Buffer, and whole: anything else decodes as it is (and bytes cut short throw there).
      if (length === undefined || !Buffer.isBuffer(r.buf) || r.pos + length > r.len) return decode(r, length, depth);
      const { kept, seen } = (byDepth[depth] ??= { kept: new BoundedByBytes(), seen: new BoundedByBytes() });
      const buf = r.buf;
      const start = r.pos;
      const end = start + length;
      const hash = sampledHash(buf, start, end);
      const hit = kept.get(buf, start, end, hash);
      if (hit) {
        r.pos = end;
        return hit;
      }
      // Most messages are seen once or twice and never again (an exec's own
      // process rides on its exec and its exit): sightings before the
      // SHARED_FROM-th only note the bytes, bounded as the cache is, so that
      // a flood of them cannot flush the cache of what repeats, and sharing
      // (a copy of the bytes, a frozen object) is spent only on what recurs.
      const sightings = seen.get(buf, start, end, hash);
      if (!sightings) seen.set(buf, start, end, hash, { times: 1 });
      if (!sightings || ++sightings.times < SHARED_FROM) return decode(r, length, depth);
      seen.take(buf, start, end, hash);
      // Recurring: shared from here on.
      const object = share(decode(r, length, depth));
      kept.set(buf, start, end, hash, object);
      return object;
    };
  };
}
