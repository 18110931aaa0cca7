/**
 * Batches waiting for the control plane's acknowledgement, in seq order. Held
 * in memory up to a cap, then appended to a spill file; when the spill file
 * is full too, new batches are dropped, counted, and the dropped seq range is
 * sent as an explicit gap so the store shows exactly what is missing.
 *
 * Seqs grow strictly across sensor restarts: seq = epoch << 23 | counter,
 * where the epoch is a millisecond clock kept above the last run's (persisted
 * in the spill directory), so a restarted sensor never reuses a seq the store
 * has already committed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Event } from '../../proto/generated/vigil/v1/Event';
import type { Gap } from '../../proto/generated/vigil/v1/Gap';

const COUNTER_BITS = 23n;
const COUNTER_MAX = (1n << COUNTER_BITS) - 1n;
/** 2025-01-01T00:00:00Z: keeps the epoch far below 2^40 for decades. */
const EPOCH_BASE_MS = 1_735_689_600_000;

export interface OutboxOptions {
  /** Directory for the spill file and the epoch state. */
  dir: string;
  /** Events held in memory before batches spill to disk. */
  memoryEvents?: number;
  /** Bytes the spill file may grow to before batches are dropped. */
  spillBytes?: number;
}

export interface PendingBatch {
  seq: bigint;
  events: number;
  /** Present for batches held in memory. */
  body?: { events: Event[]; gap: Gap | null };
  /** Where a spilled batch's JSON sits in the spill file. */
  spill?: { offset: number; length: number };
}

export interface OutboxStats {
  pending: number;
  pendingEvents: number;
  spilledBatches: number;
  droppedBatches: number;
  droppedEvents: number;
}

export class Outbox {
  private readonly queue: PendingBatch[] = [];
  private readonly memoryEvents: number;
  private readonly spillBytes: number;
  private readonly spillFile: string;
  private readonly epochFile: string;
  private spillFd: number | undefined;
  private spillSize = 0;
  private memEvents = 0;
  private epoch: bigint;
  private counter = 0n;
  private gap: { first: bigint; last: bigint; events: number; reason: string } | undefined;
  readonly stats: OutboxStats = { pending: 0, pendingEvents: 0, spilledBatches: 0, droppedBatches: 0, droppedEvents: 0 };

  constructor(o: OutboxOptions) {
    fs.mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    this.memoryEvents = o.memoryEvents ?? 200_000;
    this.spillBytes = o.spillBytes ?? 1024 ** 3;
    this.spillFile = path.join(o.dir, 'outbox.spill');
    this.epochFile = path.join(o.dir, 'outbox.epoch');
    this.recoverSpill();
    this.epoch = this.nextEpoch();
  }

  /** A new epoch above both the clock and every epoch used before. */
  private nextEpoch(after = -1n): bigint {
    let last = after;
    try {
      last = BigInt(fs.readFileSync(this.epochFile, 'utf8').trim());
    } catch {
      // first run in this directory
    }
    const tail = this.queue.at(-1);
    if (tail) last = [last, tail.seq >> COUNTER_BITS].reduce((a, b) => (a > b ? a : b));
    const now = BigInt(Date.now() - EPOCH_BASE_MS);
    const epoch = now > last ? now : last + 1n;
    fs.writeFileSync(this.epochFile, `${epoch}\n`, { mode: 0o600 });
    this.counter = 0n;
    return epoch;
  }

  private nextSeq(): bigint {
    if (this.counter === COUNTER_MAX) this.epoch = this.nextEpoch(this.epoch);
    this.counter++;
    return (this.epoch << COUNTER_BITS) | this.counter;
  }

  /** Seq of the oldest batch still waiting, 0n when none. */
  firstSeq(): bigint {
    return this.queue[0]?.seq ?? 0n;
  }

  /**
   * Queues `events` as the next batch and returns its seq, or undefined when
   * there is no room (the drop is counted and later sent as a gap record).
   */
  enqueue(events: Event[]): bigint | undefined {
    const seq = this.nextSeq();
    if (!this.hasRoom(events)) {
      this.recordGap(seq, events.length, 'sensor outbox full (memory and spill file) while the control plane was unreachable');
      return undefined;
    }
    if (this.gap) {
      // The gap travels as a batch of its own right after the dropped range,
      // then the events get the next seq.
      const g = this.gap;
      this.gap = undefined;
      this.store(seq, [], {
        first_seq: String(g.first),
        last_seq: String(g.last),
        events: String(g.events),
        reason: g.reason,
      });
      return this.enqueue(events);
    }
    this.store(seq, events, null);
    return seq;
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

  /** Drops the oldest batch (the control plane refused it) and reports it as a gap. */
  discardOldest(reason: string): bigint {
    const b = this.queue[0];
    if (!b) return 0n;
    this.ackUpTo(b.seq);
    this.recordGap(b.seq, b.events, reason);
    return b.seq;
  }

  /** Memory first; once anything is spilled, later batches spill too. */
  private inMemory(events: Event[]): boolean {
    return this.memEvents + events.length <= this.memoryEvents && this.stats.spilledBatches === 0;
  }

  private hasRoom(events: Event[]): boolean {
    // A batch is a few hundred bytes per event in JSON; the estimate only
    // decides whether to try, store() checks nothing further.
    return this.inMemory(events) || this.spillSize + events.length * 1024 + 4096 <= this.spillBytes;
  }

  private store(seq: bigint, events: Event[], gap: Gap | null): void {
    if (this.inMemory(events)) {
      this.queue.push({ seq, events: events.length, body: { events, gap } });
      this.memEvents += events.length;
    } else {
      const line = Buffer.from(`${JSON.stringify({ seq: String(seq), events, gap })}\n`);
      this.spillFd ??= fs.openSync(this.spillFile, 'a', 0o600);
      fs.writeSync(this.spillFd, line);
      this.queue.push({ seq, events: events.length, spill: { offset: this.spillSize, length: line.length } });
      this.spillSize += line.length;
      this.stats.spilledBatches++;
    }
    this.stats.pending = this.queue.length;
    this.stats.pendingEvents += events.length;
  }

  /** Batches waiting, oldest first, from the first with seq > `after`. */
  *pendingAfter(after: bigint): Generator<PendingBatch> {
    for (const b of this.queue) if (b.seq > after) yield b;
  }

  /** The events and gap of a pending batch, read back from disk if spilled. */
  body(b: PendingBatch): { events: Event[]; gap: Gap | null } {
    if (b.body) return b.body;
    const buf = Buffer.alloc(b.spill!.length);
    const fd = fs.openSync(this.spillFile, 'r');
    try {
      fs.readSync(fd, buf, 0, buf.length, b.spill!.offset);
    } finally {
      fs.closeSync(fd);
    }
    const parsed = JSON.parse(buf.toString('utf8')) as { events: Event[]; gap: Gap | null };
    return { events: parsed.events, gap: parsed.gap };
  }

  /** Forgets every batch with seq <= `seq`: the control plane has it. */
  ackUpTo(seq: bigint): void {
    while (this.queue.length && this.queue[0].seq <= seq) {
      const b = this.queue.shift()!;
      this.stats.pendingEvents -= b.events;
      if (b.body) this.memEvents -= b.events;
      else this.stats.spilledBatches--;
    }
    this.stats.pending = this.queue.length;
    if (this.stats.spilledBatches === 0 && this.spillFd !== undefined) {
      fs.closeSync(this.spillFd);
      this.spillFd = undefined;
      fs.rmSync(this.spillFile, { force: true });
      this.spillSize = 0;
    }
  }

  /** Batches a previous run spilled and never saw acknowledged. */
  private recoverSpill(): void {
    let data: Buffer;
    try {
      data = fs.readFileSync(this.spillFile);
    } catch {
      return;
    }
    let offset = 0;
    for (const line of data.toString('utf8').split('\n')) {
      const length = Buffer.byteLength(line) + 1;
      try {
        const parsed = JSON.parse(line) as { seq: string; events: Event[] };
        this.queue.push({ seq: BigInt(parsed.seq), events: parsed.events.length, spill: { offset, length } });
        this.stats.spilledBatches++;
        this.stats.pendingEvents += parsed.events.length;
      } catch {
        // a torn last line from a crash: nothing after it was acknowledged-safe
      }
      offset += length;
    }
    this.spillSize = data.length;
    this.spillFd = fs.openSync(this.spillFile, 'a', 0o600);
    this.stats.pending = this.queue.length;
  }
}
