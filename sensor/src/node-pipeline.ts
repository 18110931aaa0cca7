/**
 * The sensor's stages in order: kernel batches → process tree (exe, argv,
 * ancestry) → container metadata (held until the runtime answers) → sink.
 * `vigil sensor` sinks into the outbox; tests sink into an array.
 */
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import { ContainerDescriber } from './identity/container-describer';
import { findCriSocket } from '../../proto/cri-runtime';
import { CriClient } from './identity/cri-client';
import { OciSpecLocator } from './identity/oci-spec';
import { MetadataCache, type MetadataCacheOptions } from './identity/metadata-cache';
import { KernelSensor, type KernelSensorOptions, type SensorStats } from './kernel-sensor';
import { ProcessTree } from './process-tree';

export interface NodePipelineOptions {
  kernel?: KernelSensorOptions;
  /** CRI socket; default: the first found at the usual paths. */
  criSocket?: string;
  /** OCI bundle directories to search besides the usual ones. */
  ociBundleRoots?: readonly string[];
  metadata?: MetadataCacheOptions;
  log: (line: string) => void;
  /**
   * Receives events in order, with how many kernel records they account
   * for (their kernel events, and the records that could not be decoded
   * since the last call): what the crash-safe outbox keeps count of.
   */
  sink: (events: Event__Output[], accounts: number) => void;
}

/** Events that are kernel records (the others the sensor makes: container lifecycle, losses). */
const KERNEL_BODIES = new Set(['exec', 'fork', 'exit', 'connect', 'mount']);

export class NodePipeline {
  readonly kernel: KernelSensor;
  readonly tree = new ProcessTree();
  readonly metadata: MetadataCache;
  readonly criSocket: string | undefined;
  private readonly reaper: NodeJS.Timeout;
  decodeErrors = 0;
  private unaccountedErrors = 0;

  constructor(o: NodePipelineOptions) {
    // The kernel first: when it cannot start, that is the one thing to say.
    this.kernel = KernelSensor.start(o.kernel);
    this.criSocket = o.criSocket ?? findCriSocket();
    if (!this.criSocket) o.log('no CRI socket found (give --cri-socket): containers are described from their OCI runtime spec only, without pod names');
    const describer = new ContainerDescriber(this.criSocket ? new CriClient(this.criSocket) : undefined, new OciSpecLocator(o.ociBundleRoots));
    this.metadata = new MetadataCache(describer, (events) => {
      let accounts = this.unaccountedErrors;
      this.unaccountedErrors = 0;
      for (const ev of events) if (KERNEL_BODIES.has(ev.body ?? '')) accounts++;
      o.sink(events, accounts);
    }, o.log, o.metadata);
    // Read /proc only once the programs are attached: a process forked in
    // between is then either in /proc or in the first batches, never in neither.
    this.tree.bootstrap();
    this.reaper = setInterval(() => this.tree.reap(Date.now()), 10_000);
    this.kernel.onBatch((batch) => {
      if (batch.errors.length && this.decodeErrors === 0) o.log(`undecodable kernel record skipped: ${batch.errors[0]}`);
      this.decodeErrors += batch.errors.length;
      this.unaccountedErrors += batch.errors.length;
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
