/**
 * The sensor's kernel side as a TypeScript API: start the BPF programs, get
 * decoded event batches (callback or async iterator), read stats, stop.
 * Every loss is visible twice: as Loss events in the batches and in stats().
 */
import type { EventKind, RawBatch } from '../../native';
import { EVENT_KINDS, VigilError, bootToUnixOffsetNs, recordLayout, startNativeSensor } from '../../native';
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import { BatchDecoder } from './decode';

export interface KernelSensorOptions {
  /** Ring buffer size in bytes, a power of two (default 8 MiB). */
  ringBytes?: number;
  /** Event types to trace (default: all). */
  types?: readonly EventKind[];
  /** Flush a batch at this many records (default 1024)... */
  batchRecords?: number;
  /** ...or after this many milliseconds (default 50). */
  flushMs?: number;
  /** Hide the sensor's own process from itself (default true). */
  filterSelf?: boolean;
  /** Batches the async iterator may hold before it counts them as lost (default 64). */
  iteratorQueue?: number;
}

export interface TypeStats {
  /** Records the kernel submitted. */
  events: number;
  /** Records the kernel could not submit (ring full or pairing map full). */
  drops: number;
}

export interface SensorStats {
  byType: Record<EventKind, TypeStats>;
  events: number;
  drops: number;
  batches: number;
  /** Records delivered to JavaScript. */
  delivered: number;
  decodeErrors: number;
  /** Batches the async iterator discarded because nobody read them. */
  iteratorDrops: number;
}

export interface EventBatch {
  events: Event__Output[];
  /** Records that could not be decoded, with the reason. */
  errors: string[];
}

export class KernelSensor implements AsyncIterable<EventBatch> {
  private readonly listeners: ((batch: EventBatch) => void)[] = [];
  private readonly handle;
  private readonly decoder: BatchDecoder;
  private batches = 0;
  private delivered = 0;
  private decodeErrors = 0;
  private iteratorDrops = 0;
  private readonly queue: EventBatch[] = [];
  private readonly iteratorQueue: number;
  private wake: (() => void) | undefined;
  private stopped = false;
  private failure: VigilError | undefined;

  private constructor(options: KernelSensorOptions) {
    this.decoder = new BatchDecoder(recordLayout(), bootToUnixOffsetNs());
    this.iteratorQueue = options.iteratorQueue ?? 64;
    this.handle = startNativeSensor(
      {
        ringBytes: options.ringBytes ?? 8 * 1024 * 1024,
        kinds: options.types ?? EVENT_KINDS,
        selfTgid: options.filterSelf === false ? 0 : process.pid,
        batchRecords: options.batchRecords ?? 1024,
        flushMs: options.flushMs ?? 50,
      },
      (raw) => this.onRaw(raw),
    );
  }

  /** Loads and attaches the BPF programs. Throws VigilError with the reason. */
  static start(options: KernelSensorOptions = {}): KernelSensor {
    return new KernelSensor(options);
  }

  /** Calls `listener` synchronously with every decoded batch. */
  onBatch(listener: (batch: EventBatch) => void): this {
    this.listeners.push(listener);
    return this;
  }

  private onRaw(raw: RawBatch): void {
    this.batches++;
    this.delivered += raw.records;
    const decoded = this.decoder.decode(raw);
    this.decodeErrors += decoded.errors.length;
    if (raw.error) this.failure = new VigilError('INTERNAL', `sensor drain thread stopped: ${raw.error}`);
    for (const l of this.listeners) l(decoded);
    if (this.wake) {
      if (this.queue.length >= this.iteratorQueue) {
        this.queue.shift();
        this.iteratorDrops++;
      }
      this.queue.push(decoded);
      this.wake();
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<EventBatch> {
    // Queueing starts when someone iterates, so an unread iterator costs nothing.
    this.wake ??= () => undefined;
    while (true) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.stopped) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  stats(): SensorStats {
    const layout = recordLayout();
    const counters = this.handle.counters();
    const byType = {} as Record<EventKind, TypeStats>;
    let events = 0;
    let drops = 0;
    for (const kind of EVENT_KINDS) {
      const base = layout.eventTypes[kind] * layout.counters;
      const t = {
        events: counters[base + layout.counterIds.emitted],
        drops: counters[base + layout.counterIds.ringbufFull] + counters[base + layout.counterIds.pendingFull],
      };
      byType[kind] = t;
      events += t.events;
      drops += t.drops;
    }
    return {
      byType,
      events,
      drops,
      batches: this.batches,
      delivered: this.delivered,
      decodeErrors: this.decodeErrors,
      iteratorDrops: this.iteratorDrops,
    };
  }

  /**
   * Detaches every program, delivers what the ring buffer still holds, then
   * frees the maps. Resolves with the final stats.
   */
  async stop(): Promise<SensorStats> {
    await this.handle.stop();
    this.stopped = true;
    this.wake?.();
    return this.stats();
  }
}
