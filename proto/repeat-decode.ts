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
import { BoundedByBytes, sampledHash } from './bytes-cache';
import type { NestedDecode } from './plain-codec';

/** The sighting from which the same bytes decode to one shared object. */
const SHARED_FROM = 3;

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
