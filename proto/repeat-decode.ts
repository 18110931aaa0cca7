/**
 * The parts of an event that repeat from event to event (its Process,
 * Container and namespaces, on an exec the executed file and the ancestors
 * that rode on the execs before it, on a connect its destination) arrive as
 * the same bytes each time, and decoding them, then turning them
 * into plain objects, was most of the control plane's decoding. Those
 * message types decode here through a bounded cache keyed by their exact
 * bytes: the same bytes give the same message, turned into a plain object
 * once, which every event carrying those bytes then shares. A shared object
 * is frozen, arrays included, so no event's reader can change another's;
 * and since it cannot change, a check that passed it once (field limits)
 * may pass it again without a look.
 */
import * as protobuf from 'protobufjs';

/** Messages, and bytes of them, kept per type (and as many seen once): past either the cache starts over, so an event's 256 KiB cannot make it large. */
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

type Decode = (this: protobuf.Type, r: protobuf.Reader | Uint8Array, length?: number) => protobuf.Message;
type ToObject = (this: protobuf.Type, m: protobuf.Message, o?: protobuf.IConversionOptions, depth?: number) => Record<string, unknown>;

/**
 * On a message in the cache: its plain object, with the conversion options
 * it was made with (one set in practice: the loader's); null until the
 * first conversion after a second decode; unset on a message decoded
 * once. A property rather than a WeakMap: this is looked up
 * for every sub-message of every event.
 */
const PLAIN = Symbol('plain object');
type Kept = protobuf.Message & { [PLAIN]?: { options: protobuf.IConversionOptions | undefined; object: Record<string, unknown> } | null };

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

function freeze(object: Record<string, unknown>): Record<string, unknown> {
  // Only scalars and lists of scalars below: the types given here have no message fields.
  for (const v of Object.values(object)) if (Array.isArray(v)) Object.freeze(v);
  return Object.freeze(object);
}

export function decodeRepeatsOnce(type: protobuf.Type): void {
  for (const f of type.fieldsArray) {
    f.resolve();
    if (f.resolvedType instanceof protobuf.Type || f.map) throw new Error(`${type.fullName}.${f.name} is a message or a map: decodeRepeatsOnce freezes scalars and lists of scalars only`);
  }
  // Type.setup generates the type's decoder and converters on first use and replaces the methods with them.
  type.setup();
  const generated = type.decode as Decode;
  const generatedToObject = type.toObject as unknown as ToObject;
  const kept = new BoundedByBytes<Kept>();
  const seenOnce = new BoundedByBytes<true>();
  const cached: Decode = function (this: protobuf.Type, r, length) {
    // Only as a field of another message, from a Buffer: the case the nested decoders call.
    if (length === undefined || !(r instanceof protobuf.Reader) || !Buffer.isBuffer(r.buf) || r.pos + length > r.len) return generated.call(this, r, length);
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
      return generated.call(this, r, length);
    }
    const message: Kept = generated.call(this, r, length);
    // Seen before: shared from here on.
    message[PLAIN] = null;
    kept.set(key, message);
    return message;
  };
  const toObjectOnce: ToObject = function (this: protobuf.Type, m, o, depth) {
    const known = (m as Kept)[PLAIN];
    if (known === undefined) return generatedToObject.call(this, m, o, depth);
    if (known !== null && known.options === o) return known.object;
    const object = freeze(generatedToObject.call(this, m, o, depth));
    sharedObjects.add(object);
    (m as Kept)[PLAIN] = { options: o, object };
    return object;
  };
  type.decode = cached as typeof type.decode;
  type.toObject = toObjectOnce as unknown as typeof type.toObject;
}
