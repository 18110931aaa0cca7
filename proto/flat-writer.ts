/**
 * A protobuf writer that writes each value into one growing buffer as it
 * comes. protobufjs's Writer records every value as an operation object,
 * then allocates the message and replays them at finish: on the sensor,
 * which encodes every event it sends, those objects were most of its
 * garbage. The bytes are the Writer's own, value for value (the plain-codec
 * test holds every type of the contract to fromObject then encode), so
 * the generated encoders (plain-codec.ts) write through either.
 *
 * A sub-message's length comes before it and is known only at its end: one
 * byte is set aside at fork, and a longer length moves the message's bytes
 * up by the difference at ldelim.
 */
import * as protobuf from 'protobufjs';
import { TWO_32 } from './fast-long';

type LongLike = number | string | { low: number; high: number; unsigned?: boolean };

const { LongBits, utf8, float } = protobuf.util as unknown as {
  LongBits: { from(v: LongLike): { lo: number; hi: number; zzEncode(): { lo: number; hi: number } } };
  utf8: { write(s: string, buf: Uint8Array, pos: number): number; length(s: string): number };
  float: { writeFloatLE(v: number, buf: Uint8Array, pos: number): void; writeDoubleLE(v: number, buf: Uint8Array, pos: number): void };
};

/** protobufjs writes strings shorter than this with its own loop, longer ones with Buffer's: the same bytes but for unpaired surrogates, so the same split. */
const SHORT_STRING = 40;

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

export class FlatWriter {
  private buf: Buffer;
  private pos = 0;
  /** Where each open sub-message's length byte is. */
  private readonly forks: number[] = [];

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get capacity(): number {
    return this.buf.length;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  private varint32(v: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (v > 127) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  private varint64(lo: number, hi: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (hi) {
      buf[pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 127) {
      buf[pos++] = (lo & 127) | 128;
      lo >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  private writeFixed32(v: number): void {
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  uint32(v: number): this {
    this.room(5);
    this.varint32(v >>> 0);
    return this;
  }

  int32(v: number): this {
    v |= 0;
    if (v >= 0) return this.uint32(v);
    // A negative int32 is sign-extended to ten bytes, as the Writer does.
    this.room(10);
    this.varint64(v >>> 0, 0xffffffff);
    return this;
  }

  sint32(v: number): this {
    return this.uint32(((v << 1) ^ (v >> 31)) >>> 0);
  }

  uint64(v: LongLike): this {
    // A safe non-negative number (most values: times, inodes, ids) needs no LongBits.
    if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v)) {
      this.room(10);
      this.varint64(v >>> 0, Math.floor(v / TWO_32));
      return this;
    }
    const bits = LongBits.from(v);
    this.room(10);
    this.varint64(bits.lo >>> 0, bits.hi >>> 0);
    return this;
  }

  int64(v: LongLike): this {
    return this.uint64(v);
  }

  sint64(v: LongLike): this {
    const bits = LongBits.from(v).zzEncode();
    this.room(10);
    this.varint64(bits.lo >>> 0, bits.hi >>> 0);
    return this;
  }

  bool(v: boolean): this {
    this.room(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }

  fixed32(v: number): this {
    this.room(4);
    this.writeFixed32(v);
    return this;
  }

  sfixed32(v: number): this {
    return this.fixed32(v);
  }

  fixed64(v: LongLike): this {
    const bits = LongBits.from(v);
    this.room(8);
    this.writeFixed32(bits.lo);
    this.writeFixed32(bits.hi);
    return this;
  }

  sfixed64(v: LongLike): this {
    return this.fixed64(v);
  }

  float(v: number): this {
    this.room(4);
    float.writeFloatLE(v, this.buf, this.pos);
    this.pos += 4;
    return this;
  }

  double(v: number): this {
    this.room(8);
    float.writeDoubleLE(v, this.buf, this.pos);
    this.pos += 8;
    return this;
  }

  /** A bytes value; base64 text is decoded first, as the Writer decodes it. */
  bytes(v: ArrayLike<number> | string): this {
    const value = typeof v === 'string' ? Buffer.from(v, 'base64') : v;
    const len = value.length >>> 0;
    this.uint32(len);
    this.raw(value, len);
    return this;
  }

  /** Bytes already encoded (a field's tag, length and value, say), copied as they are. */
  raw(value: ArrayLike<number>, len = value.length): this {
    this.room(len);
    if (value instanceof Uint8Array) this.buf.set(value.length === len ? value : value.subarray(0, len), this.pos);
    else for (let i = 0; i < len; i++) this.buf[this.pos + i] = value[i];
    this.pos += len;
    return this;
  }

  string(v: string): this {
    if (v.length < SHORT_STRING) {
      const len = utf8.length(v);
      this.room(5 + len);
      this.varint32(len);
      utf8.write(v, this.buf, this.pos);
      this.pos += len;
      return this;
    }
    const len = Buffer.byteLength(v);
    this.room(5 + len);
    this.varint32(len);
    this.buf.write(v, this.pos, len, 'utf8');
    this.pos += len;
    return this;
  }

  /** Starts a length-delimited part (a sub-message); ldelim ends it. */
  fork(): this {
    this.room(1);
    this.forks.push(this.pos++);
    return this;
  }

  ldelim(): this {
    const at = this.forks.pop();
    if (at === undefined) throw new Error('FlatWriter: ldelim without fork');
    const len = this.pos - at - 1;
    const size = varintSize(len);
    if (size > 1) {
      this.room(size - 1);
      this.buf.copyWithin(at + size, at + 1, this.pos);
      this.pos += size - 1;
    }
    const end = this.pos;
    this.pos = at;
    this.varint32(len);
    this.pos = end;
    return this;
  }

  /** A copy of what was written, in a buffer of its own; the writer is then empty, ready for the next message. */
  finish(): Buffer {
    if (this.forks.length) throw new Error('FlatWriter: finish inside a fork');
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    return out;
  }

  /** Drops what was written (after a throw, say). */
  reset(): void {
    this.pos = 0;
    this.forks.length = 0;
  }
}

/** Writers not in use. A write that encodes another message meanwhile (the sensor's batch embedding a process it has not seen) takes a second. */
const idle: FlatWriter[] = [];
const KEPT_WRITERS = 4;
/** A writer grown past this by one huge message is not kept for the next. */
const KEPT_CAPACITY = 4 * 1024 * 1024;

/** Runs `write` with a writer and returns its bytes. Writers are reused, so encoding allocates only its result. */
export function withFlatWriter(write: (w: FlatWriter) => void): Buffer {
  const w = idle.pop() ?? new FlatWriter();
  try {
    write(w);
    return w.finish();
  } finally {
    w.reset();
    if (w.capacity <= KEPT_CAPACITY && idle.length < KEPT_WRITERS) idle.push(w);
  }
}
