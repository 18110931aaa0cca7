/**
 * What the control plane knows of each running container, from the events
 * that describe it: the ContainerStarted record (image, pod, privileges,
 * mounts, the `kubernetes` Service address of its environment), the
 * programs its first process ran, and the recent commands that named a URL.
 * Rules ask it whether a process is the container's own entrypoint or
 * something run into it, what the image normally runs, and what was
 * fetched. Bounded: containers are forgotten a while after they exit, past
 * the cap the least recently seen go first, and each container keeps a
 * bounded number of programs and fetches.
 */
import type { Container__Output } from '../../../proto/generated/vigil/v1/Container';
import type { ContainerDetails__Output } from '../../../proto/generated/vigil/v1/ContainerDetails';
import { readsServiceAccountToken } from '../../../proto/watched-paths';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import { commandKey } from './command-key';

export interface ContainerFacts {
  id: string;
  container: Container__Output;
  /** Undefined when the control plane never saw the container start (metadata incomplete, or older than this process). */
  details?: ContainerDetails__Output;
  /** Host pid of the container's first process; 0 while unknown. */
  initPid: number;
  /**
   * What the first process ran, each program once: an entrypoint script
   * execs into the image's real program. Under an init or a supervisor
   * (tini, dumb-init, s6, runit, supervisord, npm start), what those started
   * in the container's first two minutes too: there the image's program is
   * their child.
   */
  readonly initExecs: RecentExec[];
  /** When the first process first ran (ms): the start of those two minutes. */
  initStartedAtMs?: number;
  /** The inits and supervisors among the image's programs, by pid: what their children run is the image's. */
  readonly launchers: Set<number>;
  /** The container's mount and pid namespaces, from its first process's exec: a runtime setting the container up is in neither. */
  mntNs?: number;
  pidNs?: number;
  /** Commands that named a URL within the last FETCH_WINDOW_MS, oldest first: what a download rule needs. */
  readonly fetches: RecentFetch[];
  /** The same fetches by command (their key): a repeat is found without comparing every argv. */
  readonly fetchByCommand: Map<string, RecentFetch>;
  /** Counts each fetch added or forgotten (a repeat moving to the end is neither): what a rule worked out of the set holds while it stays. */
  fetchesChanged: number;
  /**
   * Processes that read the container's service-account token, and their
   * parents (the shell of a `cat token | curl …`), by pid, with when: what
   * makes a later API-server connection from them a use of the token.
   */
  readonly tokenReaders: Set<number>;
  exitedAtMs?: number;
}

/** Token readers remembered per container. */
const TOKEN_READERS = 64;

export interface RecentExec {
  /** When it ran: the event's own time (ms since the epoch). */
  atMs: number;
  filename: string;
  argv: string[];
}

/** A command that named a URL, with its commandKey: what forgets it from the index needs no key rebuilt (nor the current exec's, cached for the rules, replaced). */
export interface RecentFetch extends RecentExec {
  readonly key: string;
}

/** Programs of the first process remembered per container (a script, its wrappers, the image's program). */
const INIT_EXECS = 16;
/** How long a fetch is remembered: running what it fetched within this is one act. */
export const FETCH_WINDOW_MS = 10 * 60_000;
/** Fetches remembered per container within the window. */
const FETCHES = 64;

/**
 * Inits, supervisors and package runners an image runs so that its real
 * program runs as their child (signals forwarded, zombies reaped, several
 * programs supervised). Not shells: an entrypoint script's helpers (cat,
 * sed) would then pass for the image's program when an intruder runs them.
 */
const LAUNCHERS = /^(tini|tini-static|docker-init|podman-init|dumb-init|catatonit|s6-svscan|s6-supervise|runsvdir|runsv|supervisord|pid1|init|systemd|npm|yarn|pnpm)$/;
/** Launchers remembered per container. */
const MAX_LAUNCHERS = 64;
/**
 * How long after the container's first process starts its launchers'
 * children are the image's programs: later, an orphan re-parented to one
 * (a subreaper) could be anything. A process planted in that window is
 * trusted like the image's own: a limit.
 */
const INIT_CHILDREN_MS = 120_000;

/** Runtimes that re-execute themselves inside the container's cgroup while they set it up. */
const RUNTIMES = /^(runc|crun|youki)$/;

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Whether an exec's arguments name a URL (cheap enough for every exec). */
function namesUrl(argv: readonly string[]): boolean {
  for (const a of argv) if (a.includes('://')) return true;
  return false;
}

export interface ContainerRegistryOptions {
  maxContainers?: number;
  /** How long an exited container stays known for its late events (default 60 s). */
  exitedGraceMs?: number;
}

export class ContainerRegistry {
  private readonly containers = new Map<string, ContainerFacts>();
  /** The most recently seen: most events come in runs from one container, which need no move to the end. */
  private newest: ContainerFacts | undefined;
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
    if (this.newest?.id === id) return this.newest;
    let f = this.containers.get(id);
    if (f) {
      this.containers.delete(id); // re-insert: Map order is recency order
    } else {
      f = { id, container, initPid: 0, initExecs: [], launchers: new Set(), fetches: [], fetchByCommand: new Map(), fetchesChanged: 0, tokenReaders: new Set() };
      while (this.containers.size >= this.max) this.containers.delete(this.containers.keys().next().value!);
    }
    this.containers.set(id, f);
    return (this.newest = f);
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
        const { filename, argv } = ev.exec!;
        const atMs = Number(ev.time_unix_nano) / 1e6 || nowMs;
        // Without a runtime's word, the first process to exec as pid 1 of a pid namespace is the init (not runc re-executing itself).
        if (!f.initPid && p.ns_pid === 1 && !RUNTIMES.test(basename(argv[0] ?? ''))) f.initPid = p.pid;
        if (p.pid === f.initPid) {
          f.initStartedAtMs ??= atMs;
          f.mntNs = ev.namespaces?.mnt || f.mntNs;
          f.pidNs = ev.namespaces?.pid || f.pidNs;
        }
        const imageProgram = p.pid === f.initPid || (f.launchers.has(p.ppid) && f.initStartedAtMs !== undefined && atMs - f.initStartedAtMs <= INIT_CHILDREN_MS);
        if (imageProgram) {
          // npm starts as a script (#!/usr/bin/env node): env runs node on it in the same process, which is still npm.
          if (!LAUNCHERS.test(basename(filename)) && !LAUNCHERS.test(basename(argv[1] ?? ''))) f.launchers.delete(p.pid);
          else if (f.launchers.size < MAX_LAUNCHERS) f.launchers.add(p.pid);
          if (f.initExecs.length < INIT_EXECS && !f.initExecs.some((e) => e.filename === filename && sameArgv(e.argv, argv))) f.initExecs.push({ atMs, filename, argv });
        }
        if (namesUrl(argv)) {
          // A repeat (a probe's curl every few seconds) moves to the end instead of pushing older, different fetches out of the window.
          // It stays the same object, as this exec: what a rule learnt of the command and kept on it stays true.
          const key = commandKey(filename, argv);
          const known = f.fetchByCommand.get(key);
          if (known) f.fetches.splice(f.fetches.indexOf(known), 1);
          // The key is exact unless an argument holds a NUL, which only a forged event can: then this command replaces that one.
          const again = known && known.filename === filename && sameArgv(known.argv, argv) ? known : undefined;
          if (again) {
            again.atMs = atMs;
            again.argv = argv;
          }
          while (f.fetches.length && (f.fetches.length >= FETCHES || atMs - f.fetches[0].atMs > FETCH_WINDOW_MS)) {
            f.fetchByCommand.delete(f.fetches.shift()!.key);
            f.fetchesChanged++;
          }
          if (!again) f.fetchesChanged++;
          const entry = again ?? { atMs, filename, argv, key };
          f.fetches.push(entry);
          f.fetchByCommand.set(key, entry);
        }
        break;
      }
      case 'file': {
        const file = ev.file!;
        if (!readsServiceAccountToken(file)) break;
        const f = this.touch(id, ev.container!);
        for (const pid of [ev.process!.pid, ev.process!.ppid]) {
          f.tokenReaders.delete(pid); // re-insert: Set order is recency order
          f.tokenReaders.add(pid);
        }
        while (f.tokenReaders.size > TOKEN_READERS) f.tokenReaders.delete(f.tokenReaders.values().next().value!);
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
    for (const [id, f] of this.containers) {
      if (f.exitedAtMs === undefined || nowMs - f.exitedAtMs <= this.graceMs) continue;
      this.containers.delete(id);
      if (f === this.newest) this.newest = undefined;
    }
  }
}

function sameArgv(a: readonly string[], b: readonly string[]): boolean {
  // One array when decoding shared the command's bytes (proto/repeat-decode.ts).
  return a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
}
