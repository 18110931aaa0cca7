/**
 * Bounds-checked reads of one kernel record inside a batch buffer. Every read
 * names the field, so a short or corrupt record fails with a sentence instead
 * of returning garbage. One reader serves a whole batch, moved from record
 * to record: a view per record was an allocation per kernel event.
 */
import { VigilError } from '../../../proto/errors';
import { TWO_32, unsignedDecimal } from '../../../proto/fast-long';

/** A 64-bit value as two unsigned 32-bit halves. */
export interface Uint64Halves {
  high: number;
  low: number;
}

/** `v` modulo 2^64, in halves: a negative offset added to a larger value comes out as their sum. */
export function uint64Halves(v: bigint): Uint64Halves {
  const bits = BigInt.asUintN(64, v);
  return { high: Number(bits >> 32n), low: Number(bits & 0xffffffffn) };
}

export class RecordReader {
  private readonly view: DataView;
  /** Offset of the current record's first byte in `buf`. */
  start = 0;
  /** Bytes in the current record. */
  length = 0;

  constructor(readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Makes the record of `length` bytes at `start` the one read. */
  select(start: number, length: number): this {
    this.start = start;
    this.length = length;
    return this;
  }

  private at(offset: number, size: number, field: string): number {
    if (offset < 0 || offset + size > this.length)
      throw new VigilError('DECODE_FAILED', `record of ${this.length} bytes is too short for ${field} (bytes ${offset}..${offset + size})`);
    return this.start + offset;
  }

  u8(offset: number, field: string): number {
    return this.view.getUint8(this.at(offset, 1, field));
  }

  u16(offset: number, field: string): number {
    return this.view.getUint16(this.at(offset, 2, field), true);
  }

  u32(offset: number, field: string): number {
    return this.view.getUint32(this.at(offset, 4, field), true);
  }

  s32(offset: number, field: string): number {
    return this.view.getInt32(this.at(offset, 4, field), true);
  }

  /**
   * An unsigned 64-bit field in decimal, as the contract carries it: read
   * as two halves, without the BigInt and its string that
   * getBigUint64().toString() would allocate for every inode and time.
   */
  u64(offset: number, field: string): string {
    const at = this.at(offset, 8, field);
    return unsignedDecimal(this.view.getUint32(at + 4, true), this.view.getUint32(at, true));
  }

  /** An unsigned 64-bit field plus `add` (modulo 2^64), in decimal. */
  u64Plus(offset: number, add: Uint64Halves, field: string): string {
    const at = this.at(offset, 8, field);
    const low = this.view.getUint32(at, true) + add.low;
    const carry = low >= TWO_32 ? 1 : 0;
    return unsignedDecimal((this.view.getUint32(at + 4, true) + add.high + carry) >>> 0, low - carry * TWO_32);
  }

  /** NUL-terminated string in a fixed field of `max` bytes. */
  cstr(offset: number, max: number, field: string): string {
    const from = this.at(offset, max, field);
    const nul = this.buf.indexOf(0, from);
    const end = nul === -1 || nul > from + max ? from + max : nul;
    return this.buf.toString('utf8', from, end);
  }

  bytes(offset: number, size: number, field: string): Buffer {
    const from = this.at(offset, size, field);
    return this.buf.subarray(from, from + size);
  }
}
