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

/** Messages, and bytes of them, kept per type and depth (and as many seen once): past either the cache starts over, so an event's 256 KiB cannot make it large. */
const KEPT = 2048;
const KEPT_BYTES = 1024 * 1024;

/** Values by the bytes of a message (as a latin1 string, one character a byte), starting over past KEPT entries or KEPT_BYTES. */
class BoundedByBytes<V> {
  private readonly entries = new Map<string, V>();
  private bytes = 0;

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.entries.size >= KEPT || this.bytes + key.length > KEPT_BYTES) {
      this.entries.clear();
      this.bytes = 0;
    }
    this.entries.set(key, value);
    this.bytes += key.length;
  }

  /** Whether `key` was there; it is not after. */
  take(key: string): boolean {
    if (!this.entries.delete(key)) return false;
    this.bytes -= key.length;
    return true;
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
 * that the same bytes give one shared object from their second sighting on.
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
    const byDepth: { kept: BoundedByBytes<Record<string, unknown>>; seenOnce: BoundedByBytes<true> }[] = [];
    return (r, length, depth) => {
      // From a Buffer, and whole: anything else decodes as it is (and bytes cut short throw there).
      if (length === undefined || !Buffer.isBuffer(r.buf) || r.pos + length > r.len) return decode(r, length, depth);
      const { kept, seenOnce } = (byDepth[depth] ??= { kept: new BoundedByBytes(), seenOnce: new BoundedByBytes() });
      const end = r.pos + length;
      const key = r.buf.toString('latin1', r.pos, end);
      const hit = kept.get(key);
      if (hit) {
        r.pos = end;
        return hit;
      }
      // Most messages seen once (an exec's own process) are never seen again:
      // the first sighting only notes the bytes, bounded as the cache is, so
      // that a flood of them cannot flush the cache of what repeats.
      if (!seenOnce.take(key)) {
        seenOnce.set(key, true);
        return decode(r, length, depth);
      }
      // Seen before: shared from here on.
      const object = share(decode(r, length, depth));
      kept.set(key, object);
      return object;
    };
  };
}
