/**
 * Bounds-checked reads of one kernel record inside a batch buffer. Every read
 * names the field, so a short or corrupt record fails with a sentence instead
 * of returning garbage.
 */
import { VigilError } from '../../../proto/errors';

export class RecordReader {
  private readonly view: DataView;

  constructor(
    readonly buf: Buffer,
    /** Offset of the record's first byte in `buf`. */
    readonly start: number,
    /** Bytes in the record. */
    readonly length: number,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
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

  u64(offset: number, field: string): bigint {
    return this.view.getBigUint64(this.at(offset, 8, field), true);
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
