/**
 * The sensor's kernel side as a TypeScript API: start the BPF programs, get
 * decoded event batches (callback or async iterator), read stats, stop.
 * Every loss is visible twice: as Loss events in the batches and in stats().
 */
import type { EventKind, NativeSensorHandle, RawBatch } from '../../native';
import { EVENT_KINDS, VigilError, bootToUnixOffsetNs, recordLayout, startNativeSensor, unavailableKinds } from '../../native';
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import { BatchDecoder } from './decode';
import { WatchTables, compileWatchTable } from './file-watch/watch-table';
import { DEFAULT_WATCHED_PATHS, type WatchedPath } from '../../proto/watched-paths';
import { DEFAULT_RING_BYTES } from '../../proto/cli-values';

export interface KernelSensorOptions {
  /** Ring buffer size in bytes, a power of two (default 8 MiB). */
  ringBytes?: number;
  /** Event types to trace (default: all this kernel supports; see `unavailable`). */
  types?: readonly EventKind[];
  /** Flush a batch at this many records (default 1024)... */
  batchRecords?: number;
  /** ...or after this many milliseconds (default 50). */
  flushMs?: number;
  /** Hide the sensor's own process from itself (default true). */
  filterSelf?: boolean;
  /** Batches the async iterator may hold before it counts them as lost (default 64). */
  iteratorQueue?: number;
  /** Paths whose access type "file" reports (default DEFAULT_WATCHED_PATHS); see setWatchedPaths. */
  watchedPaths?: readonly WatchedPath[];
  /**
   * bpffs path at which the kernel's counters are pinned, so a run after a
   * crash learns how many records the kernel had submitted (see emittedBefore).
   */
  countersPin?: string;
}

export interface TypeStats {
  /** Records the kernel submitted. */
  events: number;
  /** Records the kernel could not submit (ring full or pairing map full). */
  drops: number;
  /** Of the drops: the ring buffer was full. */
  ringBufferFull: number;
  /** Of the drops: the map pairing a call's entry with its exit was full. */
  pendingFull: number;
  /** Calls the watch table did not match (file only): not losses. */
  filtered: number;
  /** Calls whose real path could not be worked out (file only): possibly watched, so reported as losses too. */
  unresolved: number;
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
  private readonly handle: NativeSensorHandle;
  private readonly decoder: BatchDecoder;
  private readonly watchTables = new WatchTables();
  /** Whether the file hooks run (a kernel without them, or types without "file"): not whether any path is watched. */
  readonly watchesFiles: boolean;
  /** Default kinds left out because this kernel cannot serve them, with the reason. */
  readonly unavailable: Partial<Record<EventKind, string>>;
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
    const layout = recordLayout();
    this.decoder = new BatchDecoder(layout, bootToUnixOffsetNs(), (gen, entry) => this.watchTables.pattern(gen, entry));
    this.iteratorQueue = options.iteratorQueue ?? 64;
    this.unavailable = options.types ? {} : unavailableKinds();
    const kinds = options.types ?? EVENT_KINDS.filter((k) => !this.unavailable[k]);
    this.watchesFiles = kinds.includes('file');
    const watched = options.watchedPaths ?? DEFAULT_WATCHED_PATHS;
    const started = startNativeSensor(
      {
        ringBytes: options.ringBytes ?? DEFAULT_RING_BYTES,
        kinds,
        selfTgid: options.filterSelf === false ? 0 : process.pid,
        batchRecords: options.batchRecords ?? 1024,
        flushMs: options.flushMs ?? 50,
        watchTable: this.watchesFiles ? compileWatchTable(layout, watched) : undefined,
        countersPin: options.countersPin,
      },
      (raw) => this.onRaw(raw),
    );
    this.handle = started.handle;
    if (this.watchesFiles) this.watchTables.set(started.watchGeneration, watched);
  }

  /** Loads and attaches the BPF programs. Throws VigilError with the reason. */
  static start(options: KernelSensorOptions = {}): KernelSensor {
    return new KernelSensor(options);
  }

  /**
   * Replaces the watched paths while running, at once: calls that start
   * after this returns are judged by the new table only. A bad pattern
   * throws VigilError INVALID_ARGUMENT and the old table stays.
   */
  setWatchedPaths(paths: readonly WatchedPath[]): void {
    if (!this.watchesFiles) throw new VigilError('INVALID_ARGUMENT', 'setWatchedPaths: the sensor was started without type "file"; add it to options.types');
    const table = compileWatchTable(recordLayout(), paths);
    let gen: number;
    try {
      gen = this.handle.setWatchTable(table);
    } catch (cause) {
      throw new VigilError('INTERNAL', `setWatchedPaths: ${(cause as Error).message}`, { cause });
    }
    this.watchTables.set(gen, [...paths]);
  }

  /** The watched paths in force (empty without type "file"). */
  watchedPaths(): readonly WatchedPath[] {
    return this.watchTables.current();
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

  /** Why no more events come (the drain thread failed, or stop() was called); undefined while they do. */
  get problem(): string | undefined {
    if (this.failure) return this.failure.message;
    return this.stopped ? 'the sensor was stopped' : undefined;
  }

  /**
   * Records the kernel submitted before this run, into the pinned counters
   * (0 when they were not pinned, or new), and which counters map that is:
   * the same id on a later run is the same map.
   */
  emittedBefore(): { mapId: number; emitted: number } {
    const layout = recordLayout();
    const { mapId, counters } = this.handle.countersBefore();
    let emitted = 0;
    for (const kind of EVENT_KINDS) emitted += counters[layout.eventTypes[kind] * layout.counters + layout.counterIds.emitted];
    return { mapId, emitted };
  }

  stats(): SensorStats {
    const layout = recordLayout();
    const counters = this.handle.counters();
    const byType = {} as Record<EventKind, TypeStats>;
    let events = 0;
    let drops = 0;
    for (const kind of EVENT_KINDS) {
      const base = layout.eventTypes[kind] * layout.counters;
      const ringBufferFull = counters[base + layout.counterIds.ringbufFull];
      const pendingFull = counters[base + layout.counterIds.pendingFull];
      const t = {
        events: counters[base + layout.counterIds.emitted],
        drops: ringBufferFull + pendingFull,
        ringBufferFull,
        pendingFull,
        filtered: counters[base + layout.counterIds.filtered],
        unresolved: counters[base + layout.counterIds.unresolved],
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
