/**
 * What the control plane knows of each running container, from the events
 * that describe it: the ContainerStarted record (image, pod, privileges,
 * mounts, the `kubernetes` Service address of its environment) and the
 * programs its first process ran. Rules ask it whether a process is the
 * container's own entrypoint or something run into it, and what the image
 * normally runs. Bounded: containers are forgotten a while after they exit,
 * and past the cap the least recently seen go first.
 */
import type { Container__Output } from '../../../proto/generated/vigil/v1/Container';
import type { ContainerDetails__Output } from '../../../proto/generated/vigil/v1/ContainerDetails';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';

export interface ContainerFacts {
  id: string;
  container: Container__Output;
  /** Undefined when the control plane never saw the container start (metadata incomplete, or older than this process). */
  details?: ContainerDetails__Output;
  /** Host pid of the container's first process; 0 while unknown. */
  initPid: number;
  /** Executables the first process ran: an entrypoint script execs into the image's real program. */
  readonly initExes: Set<string>;
  /** The container's latest execs, oldest first: what a rule needs to see a download followed by its execution. */
  readonly recentExecs: RecentExec[];
  exitedAtMs?: number;
}

export interface RecentExec {
  atMs: number;
  filename: string;
  argv: string[];
}

/** Execs remembered per container. */
const RECENT_EXECS = 16;

export interface ContainerRegistryOptions {
  maxContainers?: number;
  /** How long an exited container stays known for its late events (default 60 s). */
  exitedGraceMs?: number;
}

export class ContainerRegistry {
  private readonly containers = new Map<string, ContainerFacts>();
  private readonly max: number;
  private readonly graceMs: number;

  constructor(o: ContainerRegistryOptions = {}) {
    this.max = o.maxContainers ?? 50_000;
    this.graceMs = o.exitedGraceMs ?? 60_000;
  }

  get size(): number {
    return this.containers.size;
  }

  get(id: string): ContainerFacts | undefined {
    return this.containers.get(id);
  }

  private touch(id: string, container: Container__Output): ContainerFacts {
    let f = this.containers.get(id);
    if (f) {
      this.containers.delete(id); // re-insert: Map order is recency order
    } else {
      f = { id, container, initPid: 0, initExes: new Set(), recentExecs: [] };
      while (this.containers.size >= this.max) this.containers.delete(this.containers.keys().next().value!);
    }
    this.containers.set(id, f);
    return f;
  }

  /** Learns from one event; call for every event before the rules see it. */
  observe(ev: Event__Output, nowMs: number): void {
    const id = ev.container?.id;
    if (!id) return;
    switch (ev.body) {
      case 'container_started': {
        const f = this.touch(id, ev.container!);
        f.container = ev.container!;
        f.details = ev.container_started?.details ?? undefined;
        f.initPid = f.details?.init_pid || f.initPid;
        f.exitedAtMs = undefined;
        break;
      }
      case 'exec': {
        const f = this.touch(id, ev.container!);
        const p = ev.process!;
        // Without a runtime's word, the process that is pid 1 of the container's own pid namespace is its init.
        if (!f.initPid && p.ns_pid === 1) f.initPid = p.pid;
        if (p.pid === f.initPid) f.initExes.add(ev.exec!.filename);
        if (f.recentExecs.length === RECENT_EXECS) f.recentExecs.shift();
        f.recentExecs.push({ atMs: nowMs, filename: ev.exec!.filename, argv: ev.exec!.argv });
        break;
      }
      case 'container_exited': {
        const f = this.containers.get(id);
        if (f) f.exitedAtMs = nowMs;
        break;
      }
      default:
        break;
    }
  }

  /** Forgets containers that exited more than the grace period ago. */
  prune(nowMs: number): void {
    for (const [id, f] of this.containers) if (f.exitedAtMs !== undefined && nowMs - f.exitedAtMs > this.graceMs) this.containers.delete(id);
  }
}
