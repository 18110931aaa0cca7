/**
 * The parts of an event that repeat from event to event (its Process,
 * Container and namespaces, on an exec the command and the file it ran and
 * the ancestors that rode on the execs before it, on a connect its
 * destination) arrive as the same bytes each time, and decoding them was
 * most of the control plane's decoding. Those message types decode here
 * through a bounded cache keyed by their exact bytes: the same bytes give
 * one plain object, which every event carrying those bytes then shares. A
 * shared object is frozen, arrays and messages within included, so no
 * event's reader can change another's; and since it cannot change, a check
 * that passed it once (field limits) may pass it again without a look.
 */
import * as protobuf from 'protobufjs';
import { BoundedByBytes, sampledHash } from './bytes-cache';
import type { NestedDecode } from './plain-codec';

/** The sighting from which the same bytes decode to one shared object. */
const SHARED_FROM = 3;
/** Hashes of messages seen fewer times than that, kept per type and depth: past it, the count starts over. */
const SIGHTINGS_KEPT = 4096;

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

/** Freezes a decoded message and what it holds: lists of scalars, and messages of the shared types (shared already, or frozen here). */
function deepFreeze(object: Record<string, unknown>): Record<string, unknown> {
  for (const v of Object.values(object)) {
    if (Array.isArray(v)) Object.freeze(v);
    else if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) deepFreeze(v as Record<string, unknown>);
  }
  return Object.freeze(object);
}

function share(object: Record<string, unknown>): Record<string, unknown> {
  sharedObjects.add(deepFreeze(object));
  return object;
}

/**
 * Wraps the nested decoders of the types named in `names` (full names) so
 * that the same bytes give one shared object from their SHARED_FROM-th
 * sighting on. A named type's fields are scalars, lists of scalars, or
 * single messages of named types: what freezing makes unchangeable whole.
 */
export function sharedRepeats(names: ReadonlySet<string>): NestedDecode {
  return (type, decode) => {
    if (!names.has(type.fullName)) return decode;
    for (const f of type.fieldsArray) {
      f.resolve();
      const message = f.resolvedType instanceof protobuf.Type ? f.resolvedType : undefined;
      if (f.map || (message && (f.repeated || !names.has(message.fullName)))) {
        throw new Error(`${type.fullName}.${f.name} is a map, a list of messages or a message of a type not shared: sharedRepeats freezes scalars, lists of scalars and shared messages only`);
      }
    }
    // What bytes decode to depends on how deep they sit too: unknown groups
    // inside them may pass the nesting limit at one depth and not at another.
    // Each depth keeps its own; the contract puts a type at a few depths only.
    const byDepth: { kept: BoundedByBytes<Record<string, unknown>>; seen: Map<number, number> }[] = [];
    return (r, length, depth) => {
      // From a Buffer, and whole: anything else decodes as it is (and bytes cut short throw there).
      if (length === undefined || !Buffer.isBuffer(r.buf) || r.pos + length > r.len) return decode(r, length, depth);
      const { kept, seen } = (byDepth[depth] ??= { kept: new BoundedByBytes(), seen: new Map() });
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
      // SHARED_FROM-th only count their hash, bounded, so that a flood of
      // them cannot flush the cache of what repeats, and sharing (a copy of
      // the bytes, a frozen object) is spent only on what recurs. Messages
      // that hash alike count together: one is shared a sighting early.
      const sightings = (seen.get(hash) ?? 0) + 1;
      if (sightings < SHARED_FROM) {
        if (seen.size >= SIGHTINGS_KEPT) seen.clear();
        seen.set(hash, sightings);
        return decode(r, length, depth);
      }
      seen.delete(hash);
      // Recurring: shared from here on.
      const object = share(decode(r, length, depth));
      kept.set(buf, start, end, hash, object);
      return object;
    };
  };
}
