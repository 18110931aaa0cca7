/**
 * The parts of an event that repeat from event to event (its Process and
 * Container, and on an exec the ancestors that rode on the execs before it)
 * arrive as the same bytes each time, and decoding them was a quarter of the
 * control plane's decoding. Those message types decode here through a
 * bounded cache keyed by their exact bytes: the same bytes decode to the
 * same message, which is shared. That is safe because messageCodec (the
 * only decoder of this root) turns every message into fresh plain objects
 * at once and never hands out or changes the shared one.
 */
import * as protobuf from 'protobufjs';

/** Messages, and bytes of them, kept per type: past either the cache starts over, so an event's 256 KiB cannot make it large. */
const KEPT = 2048;
const KEPT_BYTES = 1024 * 1024;

type Decode = (this: protobuf.Type, r: protobuf.Reader | Uint8Array, length?: number) => protobuf.Message;

export function decodeRepeatsOnce(type: protobuf.Type): void {
  // Type.decode generates the type's decoder on first use and replaces itself with it.
  type.setup();
  const generated = type.decode as Decode;
  const kept = new Map<string, protobuf.Message>();
  let keptBytes = 0;
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
    const message = generated.call(this, r, length);
    if (kept.size >= KEPT || keptBytes + length > KEPT_BYTES) {
      kept.clear();
      keptBytes = 0;
    }
    kept.set(key, message);
    keptBytes += length;
    return message;
  };
  type.decode = cached as typeof type.decode;
}
