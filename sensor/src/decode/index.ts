/**
 * Raw batch → Event messages. Dispatch is a table keyed by the record type;
 * each record's frame length, header size and schema version are checked
 * before any body field is read. A bad record becomes an error entry naming
 * it, and decoding goes on with the next one.
 */
import type { RawBatch, RecordLayout, EventKind } from '../../../native';
import { EVENT_KINDS, VigilError } from '../../../native';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import type { EventType__Output } from '../../../proto/generated/vigil/v1/EventType';
import { decodeConnect } from './connect';
import { decodeExec } from './exec';
import { decodeExit } from './exit';
import { FileDecoder, type PatternLookup } from './file';
import { decodeFork } from './fork';
import { decodeHeader } from './header';
import { decodeMount } from './mount';
import { RecordReader, type Uint64Halves, uint64Halves } from './record-reader';

type BodyDecoder = (r: RecordReader, ev: Event__Output) => void;

const EVENT_TYPE: { readonly [K in EventKind]: EventType__Output } = {
  exec: 'EVENT_TYPE_EXEC',
  fork: 'EVENT_TYPE_FORK',
  exit: 'EVENT_TYPE_EXIT',
  connect: 'EVENT_TYPE_CONNECT',
  mount: 'EVENT_TYPE_MOUNT',
  file: 'EVENT_TYPE_FILE',
};

export interface DecodedBatch {
  events: Event__Output[];
  /** One message per record that could not be decoded. */
  errors: string[];
}

export class BatchDecoder {
  private readonly kindByType = new Map<number, EventKind>();
  private readonly minSize = new Map<number, number>();
  private readonly body: { readonly [K in EventKind]: BodyDecoder };
  private readonly bootToUnixNs: Uint64Halves;

  constructor(
    private readonly layout: RecordLayout,
    bootToUnixNs: bigint,
    /** Names the watch-table pattern of a file record (none: watched and category stay empty). */
    pattern: PatternLookup = () => undefined,
  ) {
    this.bootToUnixNs = uint64Halves(bootToUnixNs);
    const l = layout;
    const file = new FileDecoder(layout, pattern);
    this.body = {
      exec: (r, ev) => void (ev.exec = decodeExec(r, l)),
      fork: (r, ev) => void (ev.fork = decodeFork(r, l)),
      exit: (r, ev) => void (ev.exit = decodeExit(r, l)),
      connect: (r, ev) => void (ev.connect = decodeConnect(r, l)),
      mount: (r, ev) => void (ev.mount = decodeMount(r, l)),
      file: (r, ev) => void (ev.file = file.decode(r)),
    };
    for (const kind of EVENT_KINDS) {
      this.kindByType.set(layout.eventTypes[kind], kind);
      this.minSize.set(layout.eventTypes[kind], layout[kind].size);
    }
    // The addon copies an exec record only as far as the arguments it uses (batch.cc).
    this.minSize.set(layout.eventTypes.exec, layout.exec.args);
  }

  decode(batch: RawBatch): DecodedBatch {
    const out: DecodedBatch = { events: [], errors: [] };
    const { data } = batch;
    const r = new RecordReader(data);
    let off = 0;
    for (let i = 0; off < data.length; i++) {
      if (off + 4 > data.length) {
        out.errors.push(`record ${i}: truncated frame at byte ${off} of ${data.length}`);
        break;
      }
      const len = data.readUInt32LE(off);
      if (off + 4 + len > data.length) {
        out.errors.push(`record ${i}: frame of ${len} bytes overruns the batch at byte ${off}`);
        break;
      }
      try {
        out.events.push(this.decodeRecord(r.select(off + 4, len)));
      } catch (err) {
        out.errors.push(`record ${i}: ${(err as Error).message}`);
      }
      off += 4 + len;
    }
    this.appendLosses(batch.deltas, out.events);
    return out;
  }

  private decodeRecord(r: RecordReader): Event__Output {
    const h = this.layout.hdr;
    const type = r.u16(h.type, 'type');
    const kind = this.kindByType.get(type);
    if (kind === undefined) throw new VigilError('DECODE_FAILED', `unknown record type ${type}`);
    const version = r.u16(h.version, 'version');
    if (version !== this.layout.schemaVersion)
      throw new VigilError('DECODE_FAILED', `${kind} record has schema ${version}, expected ${this.layout.schemaVersion}`);
    const size = r.u32(h.size, 'size');
    if (size !== r.length || size < (this.minSize.get(type) ?? 0))
      throw new VigilError('DECODE_FAILED', `${kind} record says ${size} bytes, frame has ${r.length}, struct needs ${this.minSize.get(type)}`);
    const ev = decodeHeader(r, this.layout, this.bootToUnixNs);
    this.body[kind](r, ev);
    ev.body = kind;
    return ev;
  }

  /** Turns the batch's drop-counter deltas into in-band Loss events. */
  private appendLosses(deltas: readonly number[], events: Event__Output[]): void {
    const { counters, counterIds } = this.layout;
    for (const kind of EVENT_KINDS) {
      const base = this.layout.eventTypes[kind] * counters;
      const ringbuf = deltas[base + counterIds.ringbufFull] ?? 0;
      const pending = deltas[base + counterIds.pendingFull] ?? 0;
      const unresolved = deltas[base + counterIds.unresolved] ?? 0;
      if (ringbuf === 0 && pending === 0 && unresolved === 0) continue;
      events.push({
        body: 'loss',
        loss: { type: EVENT_TYPE[kind], ringbuf_full: String(ringbuf), pending_full: String(pending), unresolved: String(unresolved) },
        boot_ns: '0',
        time_unix_nano: String(BigInt(Date.now()) * 1_000_000n),
        process: null,
        container: null,
        namespaces: null,
        ancestry: [],
      });
    }
  }
}
