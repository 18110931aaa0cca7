/** Builds raw kernel records byte by byte from the addon's layout, for decoder tests. */
import { recordLayout, type EventKind, type RawBatch } from '../../native';

const layout = recordLayout();

export interface HeaderFields {
  pid?: number;
  tgid?: number;
  ppid?: number;
  uid?: number;
  bootNs?: bigint;
  cgroupId?: bigint;
  comm?: string;
  cgroupName?: string;
  version?: number;
  size?: number;
}

export class RecordBuilder {
  readonly buf: Buffer;

  constructor(readonly kind: EventKind, h: HeaderFields = {}) {
    this.buf = Buffer.alloc(layout[kind].size);
    const o = layout.hdr;
    this.buf.writeUInt16LE(layout.eventTypes[kind], o.type);
    this.buf.writeUInt16LE(h.version ?? layout.schemaVersion, o.version);
    this.buf.writeUInt32LE(h.size ?? this.buf.length, o.size);
    this.buf.writeBigUInt64LE(h.bootNs ?? 1_000_000_000n, o.boot_ns);
    this.buf.writeUInt32LE(h.pid ?? 100, o.pid);
    this.buf.writeUInt32LE(h.tgid ?? 100, o.tgid);
    this.buf.writeUInt32LE(h.ppid ?? 1, o.ppid);
    this.buf.writeUInt32LE(h.uid ?? 0, o.uid);
    this.buf.writeBigUInt64LE(h.cgroupId ?? 1n, o.cgroup_id);
    this.str(o.comm, h.comm ?? 'test');
    this.str(o.cgroup_name, h.cgroupName ?? '');
  }

  u32(offset: number, v: number): this {
    this.buf.writeUInt32LE(v >>> 0, offset);
    return this;
  }

  s32(offset: number, v: number): this {
    this.buf.writeInt32LE(v, offset);
    return this;
  }

  u64(offset: number, v: bigint): this {
    this.buf.writeBigUInt64LE(v, offset);
    return this;
  }

  str(offset: number, s: string): this {
    this.buf.write(`${s}\0`, offset, 'utf8');
    return this;
  }

  bytes(offset: number, b: Buffer): this {
    b.copy(this.buf, offset);
    return this;
  }
}

/** Frames records as the drain thread does: [u32 length][record]... */
export function frame(records: Buffer[], deltas: number[] = []): RawBatch {
  const parts: Buffer[] = [];
  for (const r of records) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(r.length);
    parts.push(len, r);
  }
  const full = new Array<number>(layout.types * layout.counters).fill(0);
  deltas.forEach((v, i) => (full[i] = v));
  return { data: Buffer.concat(parts), records: records.length, deltas: full };
}

export { layout };
