/**
 * Batches on their way to the control plane, kept until it acknowledges
 * them, on disk from the moment they are made: every batch is encoded once
 * and appended to a write-ahead log before it is sent, so a sensor killed
 * at any point (SIGKILL, the OOM killer) finds on restart every batch it
 * had made and the control plane had not confirmed. Each log record also
 * carries how many kernel records the sensor had accounted for so far;
 * set against the kernel's own count (pinned across restarts), that says
 * exactly how many records a crash lost before they reached a batch.
 *
 * Seqs are numbered as proto/batch-seq.ts says: a new epoch per run, kept
 * above every earlier one (persisted here), consecutive counters within it.
 * When the log would outgrow its bound, batches are dropped, counted, and
 * sent as an explicit gap, so the store shows exactly what is missing.
 *
 * Record layout, little-endian: u32 magic, u32 payload length, u32 CRC-32
 * of the payload, u32 events, u64 seq, u64 kernel records accounted for,
 * then the payload: the encoded SensorMessage. A torn record at the end of
 * the log (the process died inside a write) is cut off on recovery.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { COUNTER_MAX, epochNow, epochOf, seqOf } from '../../proto/batch-seq';
import { lockDir } from './dir-lock';
import { encodeBatchMessage } from './event-encoding';
import { MAX_BATCH_EVENTS } from '../../proto/field-limits';
import type { Event } from '../../proto/generated/vigil/v1/Event';
import type { Gap } from '../../proto/generated/vigil/v1/Gap';
import { makeDir } from '../../proto/make-dir';

const MAGIC = 0x5649474c; // "VIGL"
const HEADER = 32;

export interface OutboxOptions {
  /** Directory of the log and the epoch. */
  dir: string;
  nodeName: string;
  /** Bytes of recent batches also kept in memory, so sending rarely reads the log. */
  memoryBytes?: number;
  /** Bytes of unacknowledged batches the log may hold before new ones are dropped (and sent as a gap); the files may hold one segment more. */
  maxBytes?: number;
  /** A log file is closed and a new one begun past this size (default an eighth of maxBytes, at most 64 MiB). */
  segmentBytes?: number;
}

interface Pending {
  seq: bigint;
  events: number;
  segment: Segment;
  offset: number;
  length: number;
  /** The encoded SensorMessage, while it is among the newest memoryBytes. */
  bytes?: Buffer;
}

interface Segment {
  file: string;
  fd: number;
  size: number;
  /** Batches in it not yet acknowledged. */
  live: number;
}

export interface OutboxStats {
  pending: number;
  pendingEvents: number;
  /** Bytes of the log files on disk. */
  logBytes: number;
  /** Bytes of the batches not yet acknowledged: what the bound applies to. */
  pendingBytes: number;
  droppedBatches: number;
  droppedEvents: number;
  /** Of the dropped events: in batches the control plane refused for what they held. */
  refusedEvents: number;
  /** Batches found in the log at start: made by an earlier run, not confirmed. */
  recoveredBatches: number;
}

export class Outbox {
  private readonly queue: Pending[] = [];
  private readonly segments: Segment[] = [];
  private readonly memoryBytes: number;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly epochFile: string;
  private readonly walDir: string;
  private memBytes = 0;
  private epoch: bigint;
  private counter = 0n;
  /** Kernel records accounted for (batched, or undecodable and reported), cumulative over runs. */
  private accountedTotal = 0n;
  private gap: { first: bigint; last: bigint; events: number; reason: string } | undefined;
  readonly stats: OutboxStats = { pending: 0, pendingEvents: 0, logBytes: 0, pendingBytes: 0, droppedBatches: 0, droppedEvents: 0, refusedEvents: 0, recoveredBatches: 0 };

  private readonly unlock: () => void;

  constructor(private readonly o: OutboxOptions) {
    makeDir(o.dir, 0o700);
    this.unlock = lockDir(o.dir);
    this.memoryBytes = o.memoryBytes ?? 64 * 1024 * 1024;
    this.maxBytes = o.maxBytes ?? 1024 ** 3;
    // Segments small against the bound, so acknowledged space is given back well before the log is full.
    this.segmentBytes = o.segmentBytes ?? Math.max(64 * 1024, Math.min(64 * 1024 * 1024, Math.floor(this.maxBytes / 8)));
    this.epochFile = path.join(o.dir, 'outbox.epoch');
    this.walDir = path.join(o.dir, 'wal');
    makeDir(this.walDir, 0o700);
    this.recover();
    this.epoch = this.nextEpoch();
  }

  /** A new epoch above both the clock and every epoch used before. */
  private nextEpoch(): bigint {
    let last = -1n;
    try {
      last = BigInt(fs.readFileSync(this.epochFile, 'utf8').trim());
    } catch {
      // first run in this directory
    }
    const tail = this.queue.at(-1);
    if (tail && epochOf(tail.seq) > last) last = epochOf(tail.seq);
    const now = epochNow();
    const epoch = now > last ? now : last + 1n;
    fs.writeFileSync(this.epochFile, `${epoch}\n`, { mode: 0o600 });
    this.counter = 0n;
    return epoch;
  }

  private nextSeq(): bigint {
    if (this.counter === COUNTER_MAX) this.epoch = this.nextEpoch();
    this.counter++;
    return seqOf(this.epoch, this.counter);
  }

  /** Seq of the oldest batch still waiting, 0n when none. */
  firstSeq(): bigint {
    return this.queue[0]?.seq ?? 0n;
  }

  /** Seq of the newest batch still waiting, 0n when none. */
  lastSeq(): bigint {
    return this.queue.at(-1)?.seq ?? 0n;
  }

  /** Kernel records accounted for up to the newest batch in the log, over every run. */
  accounted(): bigint {
    return this.accountedTotal;
  }

  /**
   * Makes `events` the next batch (and the records they account for part
   * of the running total); returns its seq, or undefined when the log is
   * full (the drop is counted and later sent as a gap).
   */
  enqueue(events: Event[], accounts = 0): bigint | undefined {
    if (events.length > MAX_BATCH_EVENTS) {
      let last: bigint | undefined;
      for (let i = 0; i < events.length; i += MAX_BATCH_EVENTS) last = this.enqueue(events.slice(i, i + MAX_BATCH_EVENTS), i === 0 ? accounts : 0) ?? last;
      return last;
    }
    this.accountedTotal += BigInt(accounts);
    // A batch of no events only carries that count: while the log is full, the next batch or gap written carries it, and nothing was dropped.
    if (events.length === 0 && this.stats.pendingBytes > this.maxBytes) return undefined;
    const seq = this.nextSeq();
    if (this.stats.pendingBytes > this.maxBytes) {
      this.recordGap(seq, events.length, `sensor outbox full (${this.maxBytes} bytes on disk) while the control plane was unreachable`);
      return undefined;
    }
    if (this.gap) {
      // The gap travels as a batch of its own right after the dropped range; the events get the next seq.
      this.flushGap(seq);
      return events.length ? this.enqueue(events) : undefined;
    }
    this.append(seq, events, null);
    return seq;
  }

  private flushGap(seq = this.nextSeq()): void {
    const g = this.gap!;
    this.gap = undefined;
    this.append(seq, [], { first_seq: String(g.first), last_seq: String(g.last), events: String(g.events), reason: g.reason });
  }

  /**
   * Records `events` kernel records lost where no batch could hold them (a
   * crash before they were batched), or a window of time in which nothing
   * was observed: a batch of its own, the gap that names them, under the
   * next seq.
   */
  recordLoss(events: number, reason: string, window?: { fromMs: number; toMs: number }): void {
    // The lost records are accounted for now: by this gap.
    this.accountedTotal += BigInt(events);
    const seq = this.nextSeq();
    const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
    this.append(seq, [], { first_seq: String(seq), last_seq: String(seq), events: String(events), reason, from_unix_nano: window ? ns(window.fromMs) : '0', to_unix_nano: window ? ns(window.toMs) : '0' });
    this.stats.droppedEvents += events;
  }

  private recordGap(seq: bigint, events: number, reason: string): void {
    if (this.gap) {
      this.gap.last = seq > this.gap.last ? seq : this.gap.last;
      this.gap.events += events;
    } else {
      this.gap = { first: seq, last: seq, events, reason };
    }
    this.stats.droppedBatches++;
    this.stats.droppedEvents += events;
  }

  private currentSegment(bytes: number): Segment {
    let seg = this.segments.at(-1);
    if (!seg || seg.size + bytes > this.segmentBytes) {
      const file = path.join(this.walDir, `${Date.now().toString().padStart(15, '0')}-${this.segments.length}.log`);
      seg = { file, fd: fs.openSync(file, 'a+', 0o600), size: 0, live: 0 };
      this.segments.push(seg);
    }
    return seg;
  }

  /** Logs a batch; returns where it is, not yet queued. */
  private append(seq: bigint, events: Event[], gap: Gap | null, queueAt = this.queue.length): void {
    const payload = encodeBatchMessage(this.o.nodeName, seq, events, gap);
    const header = Buffer.alloc(HEADER);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(payload.length, 4);
    header.writeUInt32LE(zlib.crc32(payload), 8);
    header.writeUInt32LE(events.length, 12);
    header.writeBigUInt64LE(seq, 16);
    header.writeBigUInt64LE(this.accountedTotal, 24);
    const recordBytes = HEADER + payload.length;
    const seg = this.currentSegment(recordBytes);
    // One write, gathered rather than copied into one buffer: the record is in the page cache, safe from any death of this process, before it is sent.
    fs.writevSync(seg.fd, [header, payload]);
    const pending: Pending = { seq, events: events.length, segment: seg, offset: seg.size + HEADER, length: payload.length, bytes: payload };
    seg.size += recordBytes;
    seg.live++;
    this.queue.splice(queueAt, 0, pending);
    this.memBytes += payload.length;
    this.stats.logBytes += recordBytes;
    this.stats.pendingBytes += recordBytes;
    this.stats.pending = this.queue.length;
    this.stats.pendingEvents += events.length;
    this.trimMemory();
  }

  /** Keeps only the newest batches' bytes in memory; older ones are read back from the log. */
  private trimMemory(): void {
    for (const p of this.queue) {
      if (this.memBytes <= this.memoryBytes) return;
      if (p.bytes) {
        this.memBytes -= p.bytes.length;
        p.bytes = undefined;
      }
    }
  }

  /** Batches waiting, oldest first, from the first with seq > `after`. */
  *pendingAfter(after: bigint): Generator<{ seq: bigint; bytes: Buffer }> {
    for (const p of this.queue) if (p.seq > after) yield { seq: p.seq, bytes: p.bytes ?? this.read(p) };
  }

  private read(p: Pending): Buffer {
    const buf = Buffer.alloc(p.length);
    fs.readSync(p.segment.fd, buf, 0, p.length, p.offset);
    return buf;
  }

  /** Forgets every batch with seq <= `seq`: the control plane has it. Segments with nothing live left are deleted. */
  ackUpTo(seq: bigint): void {
    while (this.queue.length && this.queue[0].seq <= seq) this.forget(this.queue.shift()!);
    this.dropDeadSegments();
  }

  /**
   * The control plane refused batch `seq` for what it holds: it is replaced,
   * under the same seq and in the same place, by the gap that says what was
   * lost and why (also in the log, where recovery lets the later record of
   * a seq win).
   */
  discard(seq: bigint, reason: string): boolean {
    const i = this.queue.findIndex((p) => p.seq === seq);
    if (i < 0) return false;
    const [p] = this.queue.splice(i, 1);
    this.forget(p);
    this.append(seq, [], { first_seq: String(seq), last_seq: String(seq), events: String(p.events), reason }, i);
    this.stats.droppedBatches++;
    this.stats.droppedEvents += p.events;
    this.stats.refusedEvents += p.events;
    this.dropDeadSegments();
    return true;
  }

  private forget(p: Pending): void {
    this.stats.pendingEvents -= p.events;
    this.stats.pendingBytes -= p.length + HEADER;
    if (p.bytes) this.memBytes -= p.bytes.length;
    p.segment.live--;
    this.stats.pending = this.queue.length;
  }

  /**
   * Deletes the log files with nothing left to send, except the newest: it
   * is the one being written, and its last record keeps the running total
   * of kernel records for the next run (its acknowledged batches, found
   * again then, are acknowledged by the welcome before anything is sent).
   */
  private dropDeadSegments(): void {
    while (this.segments.length > 1 && this.segments[0].live === 0) {
      const seg = this.segments.shift()!;
      fs.closeSync(seg.fd);
      fs.rmSync(seg.file, { force: true });
      this.stats.logBytes -= seg.size;
    }
  }

  /** Batches an earlier run logged and never saw confirmed, and the running total it had accounted for. */
  private recover(): void {
    const bySeq = new Map<bigint, number>();
    for (const name of fs.readdirSync(this.walDir).filter((n) => n.endsWith('.log')).sort()) {
      const file = path.join(this.walDir, name);
      const data = fs.readFileSync(file);
      const seg: Segment = { file, fd: -1, size: 0, live: 0 };
      let at = 0;
      while (at + HEADER <= data.length && data.readUInt32LE(at) === MAGIC) {
        const length = data.readUInt32LE(at + 4);
        const end = at + HEADER + length;
        if (end > data.length || zlib.crc32(data.subarray(at + HEADER, end)) !== data.readUInt32LE(at + 8)) break;
        const seq = data.readBigUInt64LE(at + 16);
        const accounted = data.readBigUInt64LE(at + 24);
        if (accounted > this.accountedTotal) this.accountedTotal = accounted;
        const events = data.readUInt32LE(at + 12);
        const pending: Pending = { seq, events, segment: seg, offset: at + HEADER, length };
        const replaced = bySeq.get(seq);
        if (replaced !== undefined) {
          // A refused batch, and after it the gap that replaced it: the gap stands.
          this.forget(this.queue[replaced]);
          this.queue[replaced] = pending;
        } else {
          bySeq.set(seq, this.queue.length);
          this.queue.push(pending);
          this.stats.recoveredBatches++;
        }
        seg.live++;
        this.stats.pendingEvents += events;
        this.stats.pendingBytes += end - at;
        at = end;
      }
      // What follows the last whole record was torn by the death of the writer.
      if (at < data.length) fs.truncateSync(file, at);
      seg.size = at;
      seg.fd = fs.openSync(file, 'a+', 0o600);
      this.segments.push(seg);
      this.stats.logBytes += at;
    }
    this.stats.pending = this.queue.length;
    this.dropDeadSegments();
  }

  close(): void {
    for (const seg of this.segments) fs.closeSync(seg.fd);
    this.segments.length = 0;
    this.unlock();
  }
}
