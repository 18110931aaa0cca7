/**
 * The sensor's stages in order: kernel batches → process tree (exe, argv,
 * ancestry) → container metadata (held until the runtime answers) → sink.
 * `vigil sensor` sinks into the outbox; tests sink into an array.
 */
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import { ContainerDescriber } from './identity/container-describer';
import { CRI_SOCKETS, findCriSocket } from '../../proto/cri-runtime';
import { CriClient, type CriCallObserver } from './identity/cri-client';
import { OciSpecLocator } from './identity/oci-spec';
import { MetadataCache, type MetadataCacheOptions } from './identity/metadata-cache';
import { KernelSensor, type KernelSensorOptions, type SensorStats } from './kernel-sensor';
import { ProcessTree } from './process-tree';
import { TREE_EVENTS, type TreeEvent } from '../../proto/client-connection';

export interface NodePipelineOptions {
  kernel?: KernelSensorOptions;
  /** CRI socket, used even while it does not exist yet; default: the first of `criSocketCandidates` to appear. */
  criSocket?: string;
  /** Where a runtime's socket may appear (default: the usual paths of containerd, k3s and CRI-O). */
  criSocketCandidates?: readonly string[];
  /** OCI bundle directories to search besides the usual ones. */
  ociBundleRoots?: readonly string[];
  metadata?: MetadataCacheOptions;
  /** Process-tree events passed on to the sink as well (default: none; they still keep the tree and are accounted for). */
  forward?: readonly TreeEvent[];
  /** Told of every call to the container runtime (the metrics endpoint's latency histogram). */
  onCriCall?: CriCallObserver;
  log: (line: string) => void;
  /**
   * Receives events in order, with how many kernel records they account
   * for (their kernel events, the process-tree events kept back and the
   * records that could not be decoded since the last call): what the
   * crash-safe outbox keeps count of. Called with no events when only
   * such records are left to account for: once a second at most, and at
   * stop.
   */
  sink: (events: Event__Output[], accounts: number) => void;
}

/** Events that are kernel records (the others the sensor makes: container lifecycle, losses). */
const KERNEL_BODIES = new Set(['exec', 'fork', 'exit', 'connect', 'mount', 'file']);
const TREE_BODIES: ReadonlySet<string> = new Set(TREE_EVENTS);
/** How long records kept back (or undecodable) may wait for a batch to carry their count to the log. */
const ACCOUNTS_FLUSH_MS = 1000;

export class NodePipeline {
  readonly kernel: KernelSensor;
  readonly tree = new ProcessTree();
  readonly metadata: MetadataCache;
  private readonly timers: NodeJS.Timeout[] = [];
  decodeErrors = 0;
  /** Kernel records handled without an event to carry them to the sink yet (undecodable, or kept back): accounted with the next call. */
  private unaccounted = 0;
  /** Process-tree events kept in the sensor, by type. */
  readonly keptBack = new Map<TreeEvent, number>();
  private readonly sink: NodePipelineOptions['sink'];

  constructor(o: NodePipelineOptions) {
    // The kernel first: when it cannot start, that is the one thing to say.
    this.kernel = KernelSensor.start(o.kernel);
    for (const [kind, why] of Object.entries(this.kernel.unavailable)) o.log(`${kind} events are off: this kernel lacks ${why}`);
    const candidates = o.criSocketCandidates ?? CRI_SOCKETS;
    const criSocket = o.criSocket ?? findCriSocket(candidates);
    const describer = new ContainerDescriber(criSocket ? new CriClient(criSocket, o.onCriCall) : undefined, new OciSpecLocator(o.ociBundleRoots));
    this.sink = o.sink;
    const forward = new Set<string>(o.forward ?? []);
    this.metadata = new MetadataCache(describer, (events) => {
      let accounts = this.unaccounted;
      const sent: Event__Output[] = [];
      for (const ev of events) {
        const body = ev.body ?? '';
        if (KERNEL_BODIES.has(body)) accounts++;
        if (!TREE_BODIES.has(body) || forward.has(body)) sent.push(ev);
        else this.keptBack.set(body as TreeEvent, (this.keptBack.get(body as TreeEvent) ?? 0) + 1);
      }
      // Records kept back alone wait for the next batch (an empty batch per flush would cost more than they do), or the next second.
      this.unaccounted = sent.length ? 0 : accounts;
      if (sent.length) this.sink(sent, accounts);
    }, o.log, o.metadata);
    // A node where only forks and exits happen still logs its count within a second: a sensor that dies then reports no more of them lost.
    this.timers.push(setInterval(() => this.flushAccounts(), ACCOUNTS_FLUSH_MS));
    if (!criSocket) {
      o.log(`no CRI socket at ${candidates.join(', ')} (give --cri-socket): containers are described from their OCI runtime spec, without pod labels, until one appears`);
      // A runtime installed or started after the sensor is picked up within a second.
      const watch = setInterval(() => {
        const found = findCriSocket(candidates);
        if (!found) return;
        clearInterval(watch);
        this.metadata.attach(new CriClient(found, o.onCriCall));
      }, 1000);
      this.timers.push(watch);
    }
    // Read /proc only once the programs are attached: a process forked in
    // between is then either in /proc or in the first batches, never in neither.
    this.tree.bootstrap();
    this.timers.push(setInterval(() => this.tree.reap(Date.now()), 10_000));
    this.kernel.onBatch((batch) => {
      if (batch.errors.length && this.decodeErrors === 0) o.log(`undecodable kernel record skipped: ${batch.errors[0]}`);
      this.decodeErrors += batch.errors.length;
      this.unaccounted += batch.errors.length;
      if (batch.events.length === 0) return;
      const now = Date.now();
      for (const ev of batch.events) this.tree.apply(ev, now);
      this.metadata.process(batch.events);
    });
  }

  async stop(): Promise<SensorStats> {
    for (const t of this.timers) clearInterval(t);
    const stats = await this.kernel.stop();
    this.metadata.close();
    // What was read is accounted for before the sensor says it stopped cleanly.
    this.flushAccounts();
    return stats;
  }

  /** Accounts for records read and not yet carried by a batch, with a batch of no events. */
  private flushAccounts(): void {
    if (!this.unaccounted) return;
    const n = this.unaccounted;
    this.unaccounted = 0;
    this.sink([], n);
  }
}
