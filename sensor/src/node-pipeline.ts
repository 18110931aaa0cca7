/**
 * The sensor's stages in order: kernel batches → process tree (exe, argv,
 * ancestry) → container metadata (held until the runtime answers) → sink.
 * `vigil sensor` sinks into the outbox; tests sink into an array.
 */
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import { CriClient, findCriSocket } from './identity/cri-client';
import { MetadataCache, type MetadataCacheOptions } from './identity/metadata-cache';
import { KernelSensor, type KernelSensorOptions, type SensorStats } from './kernel-sensor';
import { ProcessTree } from './process-tree';

export interface NodePipelineOptions {
  kernel?: KernelSensorOptions;
  /** CRI socket; default: the first found at the usual paths. */
  criSocket?: string;
  metadata?: MetadataCacheOptions;
  log: (line: string) => void;
  sink: (events: Event__Output[]) => void;
}

export class NodePipeline {
  readonly kernel: KernelSensor;
  readonly tree = new ProcessTree();
  readonly metadata: MetadataCache;
  readonly criSocket: string | undefined;
  private readonly reaper: NodeJS.Timeout;
  decodeErrors = 0;

  constructor(o: NodePipelineOptions) {
    // The kernel first: when it cannot start, that is the one thing to say.
    this.kernel = KernelSensor.start(o.kernel);
    for (const [kind, why] of Object.entries(this.kernel.unavailable)) o.log(`${kind} events are off: this kernel lacks ${why}`);
    this.criSocket = o.criSocket ?? findCriSocket();
    if (!this.criSocket) o.log('no CRI socket found (give --cri-socket): events from containers carry their id only, flagged metadata_incomplete');
    this.metadata = new MetadataCache(this.criSocket ? new CriClient(this.criSocket) : undefined, o.sink, o.log, o.metadata);
    // Read /proc only once the programs are attached: a process forked in
    // between is then either in /proc or in the first batches, never in neither.
    this.tree.bootstrap();
    this.reaper = setInterval(() => this.tree.reap(Date.now()), 10_000);
    this.kernel.onBatch((batch) => {
      if (batch.errors.length && this.decodeErrors === 0) o.log(`undecodable kernel record skipped: ${batch.errors[0]}`);
      this.decodeErrors += batch.errors.length;
      if (batch.events.length === 0) return;
      const now = Date.now();
      for (const ev of batch.events) this.tree.apply(ev, now);
      this.metadata.process(batch.events);
    });
  }

  async stop(): Promise<SensorStats> {
    clearInterval(this.reaper);
    const stats = await this.kernel.stop();
    this.metadata.close();
    return stats;
  }
}
