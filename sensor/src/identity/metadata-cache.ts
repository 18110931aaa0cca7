/**
 * Attaches runtime metadata (container name, image, pod, namespace) to every
 * event from a container. The first events of a container the cache does not
 * know yet are held while the runtime is asked (bounded in time and count),
 * then released in order behind a ContainerStarted record, so even a
 * container that lives 50 ms is fully attributed. When the runtime cannot
 * answer, the events go on flagged metadata_incomplete: never guessed, never
 * lost. The container's first process exiting produces ContainerExited; so
 * does the runtime no longer listing it, for an exit the sensor did not see.
 */
import type { Container__Output } from '../../../proto/generated/vigil/v1/Container';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import * as fs from 'node:fs';
import type { ContainerDescriber } from './container-describer';
import type { ContainerMetadata, CriClient } from './cri-client';
import { delayBefore, keepTrying, type Trier } from '../../../proto/retry';
import { clampToLimits } from '../../../proto/field-limits';

export interface MetadataCacheOptions {
  /** Longest an event waits for its container's metadata (default 2 s). */
  holdMs?: number;
  /** Events held across all pending containers at most (default 20,000). */
  maxHeld?: number;
  /** How long an exited container stays known for late events (default 30 s). */
  exitedGraceMs?: number;
  /** Containers remembered at most (default 10,000). */
  maxContainers?: number;
  /** How often the runtime is asked which containers still run (default 30 s). */
  refreshMs?: number;
}

type Entry =
  | { state: 'pending'; held: Event__Output[]; timer: NodeJS.Timeout; trier?: Trier }
  | { state: 'ready'; meta: ContainerMetadata; container: Container__Output; started: Event__Output; readyAt: number; exitedAt?: number }
  /** No description yet: its events go on flagged; `first` is what its ContainerStarted will be made from. */
  | { state: 'failed'; first: Event__Output };

/** A container asked about again later: not described, or described from its spec alone while the CRI was away. */
interface Revisit {
  attempt: number;
  at: number;
  asking: boolean;
}

/** While the runtime is away, a container is asked about again at least this often: it answers soon after it is back. */
const UNREACHABLE_RETRY = { minMs: 250, maxMs: 1000 };
/** A container the runtime says it does not know is asked about less and less often, then no more. */
const UNKNOWN_RETRY = { minMs: 500, maxMs: 30_000 };
const MAX_REVISITS = 30;
/** Asking the runtime again about a container its first processes ran before it registered. */
const NOT_YET_RETRY = { minMs: 25, maxMs: 400 };

export interface MetadataStats {
  lookups: number;
  failedLookups: number;
  incompleteEvents: number;
  held: number;
  containers: number;
  /** Containers described only after their first events went on (the runtime was away). */
  describedLate: number;
}

export class MetadataCache {
  private readonly entries = new Map<string, Entry>();
  private readonly revisits = new Map<string, Revisit>();
  private readonly holdMs: number;
  private readonly maxHeld: number;
  private readonly exitedGraceMs: number;
  private readonly maxContainers: number;
  private warnedUnavailable = false;
  private readonly timers: NodeJS.Timeout[];
  readonly stats: MetadataStats = { lookups: 0, failedLookups: 0, incompleteEvents: 0, held: 0, containers: 0, describedLate: 0 };

  constructor(
    private readonly describer: ContainerDescriber,
    /** Receives events in order, annotated, once they may go on. */
    private readonly emit: (events: Event__Output[]) => void,
    private readonly log: (line: string) => void,
    o: MetadataCacheOptions = {},
  ) {
    this.holdMs = o.holdMs ?? 2000;
    this.maxHeld = o.maxHeld ?? 20_000;
    this.exitedGraceMs = o.exitedGraceMs ?? 30_000;
    this.maxContainers = o.maxContainers ?? 10_000;
    this.timers = [setInterval(() => void this.refresh(), o.refreshMs ?? 30_000), setInterval(() => this.revisit(), UNREACHABLE_RETRY.minMs)];
    for (const t of this.timers) t.unref();
  }

  private get cri(): CriClient | undefined {
    return this.describer.cri;
  }

  /** The runtime's socket appeared after the sensor started: what waited for it is asked about now. */
  attach(cri: CriClient): void {
    this.describer.cri = cri;
    this.log(`CRI socket ${cri.socket} appeared: containers are now described by the runtime`);
    this.askEveryoneNow();
  }

  process(events: readonly Event__Output[]): void {
    const out: Event__Output[] = [];
    const now = Date.now();
    for (const ev of events) {
      const id = ev.container?.id;
      if (!id) {
        out.push(ev);
        continue;
      }
      const e = this.entries.get(id);
      if (!e) {
        this.lookup(id, ev);
      } else if (e.state === 'pending') {
        e.held.push(ev);
        if (++this.stats.held > this.maxHeld) this.release(this.entries.keys().next().value!, 'too many events waiting for metadata', false);
      } else if (e.state === 'failed') {
        this.markIncomplete(ev);
        out.push(ev);
      } else {
        this.annotate(ev, e.meta);
        out.push(ev);
        this.noteExit(ev, e, out, now);
      }
    }
    if (out.length) this.emit(out);
    this.evictExited(now);
  }

  private lookup(id: string, first: Event__Output): void {
    const timer = setTimeout(() => this.release(id, `the runtime did not describe it within ${this.holdMs} ms`, this.warnedUnavailable), this.holdMs);
    const entry: Entry = { state: 'pending', held: [first], timer };
    this.entries.set(id, entry);
    this.stats.held++;
    this.stats.lookups++;
    // runc runs a container's first processes before the runtime has
    // registered it, so "not found" right away means "ask again shortly".
    entry.trier = keepTrying(async () => {
      if (this.entries.get(id)?.state !== 'pending') return 'done';
      let d;
      try {
        d = await this.describer.describe(id, this.heldPids(id, first));
      } catch (err) {
        this.unreachable(err as Error & { details?: string });
        this.release(id, 'the runtime is unreachable', true);
        return 'done';
      }
      if ('found' in d) {
        if (!d.partial) this.answered();
        this.ready(id, d.found, d.partial);
        return 'done';
      }
      if (!this.cri) {
        this.release(id, 'no CRI runtime to ask and no OCI runtime spec found', false);
        return 'done';
      }
      this.answered();
      throw new Error('not registered yet');
    }, NOT_YET_RETRY);
  }

  /**
   * Processes of the container whose events wait for its description,
   * newest first, with their parents: a short-lived one is gone by the time
   * it is looked up, its parent (the entrypoint, often) is not.
   */
  private heldPids(id: string, first: Event__Output): number[] {
    const e = this.entries.get(id);
    const held = e?.state === 'pending' ? e.held : [first];
    return [...new Set(held.flatMap((ev) => [ev.process?.pid ?? 0, ev.process?.ppid ?? 0]).filter((pid) => pid > 1).reverse())];
  }

  private ready(id: string, meta: ContainerMetadata, partial = false): void {
    const e = this.entries.get(id);
    if (e?.state !== 'pending') return; // already released by the timer
    clearTimeout(e.timer);
    this.stats.held -= e.held.length;
    const d = meta.details;
    // Before the container starts the runtime reports pid 0: its init is then the process of its entrypoint's exec.
    const init = e.held.find(isInitExec);
    if (!d.init_pid && init) d.init_pid = init.process!.pid;
    const entry = this.describedAs(id, meta, e.held[0]);
    const out: Event__Output[] = [entry.started];
    const now = Date.now();
    for (const ev of e.held) {
      this.annotate(ev, meta);
      out.push(ev);
      this.noteExit(ev, entry, out, now);
    }
    if (partial) this.askAgain(id, true);
    this.emit(out);
  }

  /** Makes container `id` known as `meta`, from its ContainerStarted, made from `first`, the container's first event. */
  private describedAs(id: string, meta: ContainerMetadata, first: Event__Output): Entry & { state: 'ready' } {
    const started: Event__Output = {
      body: 'container_started',
      container_started: { details: meta.details },
      boot_ns: first.boot_ns,
      time_unix_nano: first.time_unix_nano,
      process: null,
      container: { ...first.container! },
      namespaces: first.namespaces,
      ancestry: [],
    };
    this.annotate(started, meta);
    // What the runtime says is the pod's to choose (labels, mounts, names): cut to what the control plane accepts.
    clampToLimits('vigil.v1.Event', started);
    const c = started.container!;
    Object.assign(meta, { name: c.name, image: c.image, podName: c.pod_name, podNamespace: c.pod_namespace, podUid: c.pod_uid });
    const entry: Entry = { state: 'ready', meta, container: c, started, readyAt: Date.now() };
    this.remember(id, entry);
    return entry;
  }

  /** Lets a pending container's events go on without metadata; it is asked about again later. */
  /** Lets a pending container's events go, flagged; unless it is being evicted, it stays known as failed, to be asked about again. */
  private release(id: string, why: string, unreachable: boolean, evicted = false): void {
    const e = this.entries.get(id);
    if (e?.state !== 'pending') return;
    clearTimeout(e.timer);
    e.trier?.stop();
    this.stats.held -= e.held.length;
    this.stats.failedLookups++;
    if (!evicted) {
      // Not from inside remember's eviction: re-inserting there would evict one more.
      this.remember(id, { state: 'failed', first: e.held[0] });
      this.askAgain(id, unreachable);
    }
    for (const ev of e.held) this.markIncomplete(ev);
    if (this.stats.failedLookups <= 3) this.log(`container ${id.slice(0, 12)}: no metadata (${why}); ${e.held.length} events go on flagged metadata_incomplete`);
    this.emit(e.held);
  }

  /**
   * Schedules the next question about `id`: while the runtime is away, every
   * second or so for as long as the container is known; while there is no
   * runtime at all, once one appears; when it said it does not know the
   * container, less and less often, then no more.
   */
  private askAgain(id: string, unreachable: boolean, attempt = 0): void {
    if (!unreachable && attempt >= MAX_REVISITS) return void this.revisits.delete(id);
    const at = !this.cri ? Infinity : Date.now() + delayBefore(attempt, unreachable ? UNREACHABLE_RETRY : UNKNOWN_RETRY);
    this.revisits.set(id, { attempt, at, asking: false });
  }

  /**
   * Asks again about the containers described late or partly: as soon as
   * the runtime answers, each gets its ContainerStarted with what the
   * runtime knows (the events already sent stay flagged as they went).
   */
  private revisit(): void {
    const now = Date.now();
    for (const [id, r] of this.revisits) {
      const e = this.entries.get(id);
      if (!e || e.state === 'pending') {
        this.revisits.delete(id);
        continue;
      }
      if (r.asking || r.at > now) continue;
      r.asking = true;
      const first = e.state === 'failed' ? e.first : e.started;
      const pids = [first.process?.pid ?? 0, first.process?.ppid ?? 0, e.state === 'ready' ? e.meta.details.init_pid : 0].filter((p) => p > 1);
      this.describer.describe(id, pids).then(
        (d) => {
          if (this.revisits.get(id) !== r) return;
          if ('found' in d && !d.partial) {
            this.revisits.delete(id);
            this.answered();
            this.describedLateAs(id, d.found, first);
          } else {
            if (!('found' in d) && this.cri) this.answered();
            this.askAgain(id, 'found' in d, r.attempt + 1);
          }
        },
        (err: Error & { details?: string }) => {
          if (this.revisits.get(id) !== r) return;
          this.unreachable(err);
          this.askAgain(id, true, r.attempt + 1);
        },
      );
    }
  }

  private describedLateAs(id: string, meta: ContainerMetadata, first: Event__Output): void {
    const before = this.entries.get(id);
    if (!before || before.state === 'pending') return;
    if (!meta.details.init_pid && before.state === 'ready') meta.details.init_pid = before.meta.details.init_pid;
    const entry = this.describedAs(id, meta, first);
    if (before.state === 'ready') entry.exitedAt = before.exitedAt;
    this.stats.describedLate++;
    this.emit([entry.started]);
  }

  /** The runtime answered a question: after an outage, what waits for it is asked about at once. */
  private answered(): void {
    if (!this.warnedUnavailable) return;
    this.warnedUnavailable = false;
    this.log(`CRI socket ${this.cri?.socket} answers again`);
    this.askEveryoneNow();
  }

  private askEveryoneNow(): void {
    const now = Date.now();
    for (const r of this.revisits.values()) r.at = Math.min(r.at, now);
  }

  private unreachable(err: Error & { details?: string }): void {
    if (this.warnedUnavailable) return;
    this.warnedUnavailable = true;
    this.log(`CRI socket ${this.cri?.socket} is not answering (${err.details || err.message}): events from containers go on flagged metadata_incomplete until it does`);
  }

  private remember(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.entries.set(id, entry);
    while (this.entries.size > this.maxContainers) {
      const oldest = this.entries.keys().next().value!;
      if (this.entries.get(oldest)?.state === 'pending') this.release(oldest, 'too many containers', false, true);
      this.entries.delete(oldest);
      this.revisits.delete(oldest);
    }
    this.stats.containers = this.entries.size;
  }

  private annotate(ev: Event__Output, m: ContainerMetadata): void {
    ev.container = { ...ev.container!, name: m.name, image: m.image, pod_name: m.podName, pod_namespace: m.podNamespace, pod_uid: m.podUid, metadata_incomplete: false };
  }

  private markIncomplete(ev: Event__Output): void {
    ev.container = { ...ev.container!, metadata_incomplete: true };
    this.stats.incompleteEvents++;
  }

  /** The container's init (its first exec's process) exiting ends the container. */
  private noteExit(ev: Event__Output, e: Entry & { state: 'ready' }, out: Event__Output[], now: number): void {
    const d = e.meta.details;
    if (!d.init_pid && isInitExec(ev)) d.init_pid = ev.process!.pid;
    if (ev.body !== 'exit' || e.exitedAt || ev.process?.pid !== d.init_pid) return;
    e.exitedAt = now;
    out.push({ ...ev, body: 'container_exited', exit: null, container_exited: { exit_code: ev.exit!.code || (ev.exit!.signal ? 128 + ev.exit!.signal : 0) }, ancestry: [] });
  }

  /**
   * Ends the known containers the runtime no longer runs: their init's exit
   * may have been lost, or have happened before the sensor knew the init.
   * The CRI answers for its containers; for the others, their runtime spec
   * going away says it (the runtime removes the bundle with the container).
   */
  private async refresh(): Promise<void> {
    const askedAt = Date.now();
    // An unreachable runtime proves nothing; lookups report it.
    const live = await this.cri?.liveIds().catch(() => undefined);
    const gone = (e: Entry & { state: 'ready' }, id: string): boolean =>
      e.meta.details.source === 'cri' ? live !== undefined && !live.has(id) : !!e.meta.details.oci_spec_path && !fs.existsSync(e.meta.details.oci_spec_path);
    const ended: [string, Entry & { state: 'ready' }][] = [];
    for (const [id, e] of this.entries)
      if (e.state === 'ready' && !e.exitedAt && e.readyAt < askedAt && gone(e, id)) {
        e.exitedAt = Date.now();
        ended.push([id, e]);
      }
    if (ended.length === 0) return;
    const codes = await Promise.all(ended.map(([id, e]) => (e.meta.details.source === 'cri' ? this.cri?.exitCode(id).catch(() => undefined) : undefined)));
    const now = BigInt(Date.now()) * 1_000_000n;
    this.emit(ended.map(([, e], i) => ({
      body: 'container_exited',
      container_exited: { exit_code: codes[i] ?? 0 },
      // Not a kernel event: no boot time, the wall clock of the finding.
      boot_ns: '0',
      time_unix_nano: String(now),
      process: null,
      container: e.container,
      namespaces: null,
      ancestry: [],
    })));
  }

  private evictExited(now: number): void {
    for (const [id, e] of this.entries)
      if (e.state === 'ready' && e.exitedAt && now - e.exitedAt > this.exitedGraceMs) {
        this.entries.delete(id);
        this.revisits.delete(id);
      }
    this.stats.containers = this.entries.size;
  }

  /** Releases everything still held (at shutdown). */
  close(): void {
    for (const t of this.timers) clearInterval(t);
    for (const [id, e] of this.entries) if (e.state === 'pending') this.release(id, 'the sensor is stopping', false);
    this.revisits.clear();
    this.cri?.close();
  }
}

/**
 * The exec that starts a container's entrypoint: pid 1 of the container's
 * pid namespace, or, in a shared one, the first exec that is not the
 * runtime re-executing itself (runc init runs from /proc/self/exe or a
 * memfd copy, named runc).
 */
function isInitExec(ev: Event__Output): boolean {
  if (ev.body !== 'exec') return false;
  if (ev.process!.ns_pid === 1) return true;
  const arg0 = ev.exec!.argv[0] ?? '';
  return !/^(runc|crun|youki)$/.test(arg0.slice(arg0.lastIndexOf('/') + 1)) && !ev.process!.comm.startsWith('runc:');
}
