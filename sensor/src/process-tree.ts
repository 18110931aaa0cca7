/**
 * The node's process tree, as the sensor sees it: bootstrapped from /proc so
 * processes older than the sensor have parents too, then kept from fork,
 * exec and exit events. Every event leaves with its process's executable and
 * arguments filled in, and every exec with its ancestry (nearest first).
 * Memory is bounded: exited processes are reaped after a grace period (their
 * children's late events still resolve), and past the cap the least recently
 * seen entries are evicted and counted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import type { ProcessNode__Output } from '../../proto/generated/vigil/v1/ProcessNode';

interface Proc {
  pid: number;
  ppid: number;
  exe: string;
  argv: string[];
  comm: string;
  exitedAtMs?: number;
  /**
   * The process as an ancestor, made once: every exec below it carries the
   * same object, which the encoder encodes once (a fork or exec makes a new
   * Proc, so it never goes stale).
   */
  node?: ProcessNode__Output;
}

/**
 * Bytes of a command line read from /proc: what the exec hook copies
 * (VIGIL_ARGS_LEN), so a process older than the sensor is seen as one
 * started after it would be, and a CI runner's 25 kB `bash -c` script
 * never makes its descendants' events too big for the contract.
 */
const CMDLINE_BYTES = 4096;

function readCmdline(file: string): string[] {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CMDLINE_BYTES);
    const n = fs.readSync(fd, buf, 0, CMDLINE_BYTES, 0);
    return buf.toString('utf8', 0, n).split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
  } finally {
    fs.closeSync(fd);
  }
}

export interface ProcessTreeOptions {
  /** Entries kept at most (default 65,536, pid_max's usual order). */
  cap?: number;
  /** Ancestors attached to an exec (default 8; at least 5 is promised). */
  depth?: number;
  /** How long an exited process stays resolvable (default 30 s). */
  graceMs?: number;
  procRoot?: string;
}

export class ProcessTree {
  private readonly procs = new Map<number, Proc>();
  private readonly cap: number;
  private readonly depth: number;
  private readonly graceMs: number;
  private readonly procRoot: string;
  evicted = 0;
  bootstrapped = 0;

  constructor(o: ProcessTreeOptions = {}) {
    this.cap = o.cap ?? 65_536;
    this.depth = o.depth ?? 8;
    this.graceMs = o.graceMs ?? 30_000;
    this.procRoot = o.procRoot ?? '/proc';
  }

  get size(): number {
    return this.procs.size;
  }

  /** One process as /proc shows it now, or undefined when it is gone. */
  private readProc(pid: number): Proc | undefined {
    const dir = path.join(this.procRoot, String(pid));
    try {
      const stat = fs.readFileSync(path.join(dir, 'stat'), 'utf8');
      // comm is in parentheses and may itself hold spaces or parentheses.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      const argv = readCmdline(path.join(dir, 'cmdline'));
      let exe = '';
      try {
        exe = fs.readlinkSync(path.join(dir, 'exe'));
      } catch {
        // kernel threads have none; exited ones neither
      }
      return { pid, ppid, exe, argv, comm };
    } catch {
      return undefined;
    }
  }

  /** Reads every process in /proc. */
  bootstrap(): void {
    for (const name of fs.readdirSync(this.procRoot)) {
      if (!/^\d+$/.test(name)) continue;
      const p = this.readProc(Number(name));
      if (p) {
        this.put(p);
        this.bootstrapped++;
      }
    }
  }

  private put(p: Proc): void {
    this.procs.delete(p.pid); // re-insert: Map order is recency order
    this.procs.set(p.pid, p);
    while (this.procs.size > this.cap) {
      this.procs.delete(this.procs.keys().next().value!);
      this.evicted++;
    }
  }

  /** The entry for `pid`, from /proc once if the tree does not know it. */
  private lookup(pid: number): Proc | undefined {
    let p = this.procs.get(pid);
    if (!p && pid > 0) {
      p = this.readProc(pid);
      if (p) this.put(p);
    }
    return p;
  }

  /** Updates the tree with `ev` and fills in its process and ancestry. */
  apply(ev: Event__Output, nowMs: number): void {
    const p = ev.process;
    if (!p) return;
    switch (ev.body) {
      case 'fork': {
        const parent = this.lookup(p.pid);
        // Until it execs, the child runs its parent's image.
        this.put({ pid: ev.fork!.child_pid, ppid: p.pid, exe: parent?.exe ?? '', argv: parent?.argv ?? [], comm: p.comm });
        break;
      }
      case 'exec':
        this.put({ pid: p.pid, ppid: p.ppid, exe: ev.exec!.filename, argv: ev.exec!.argv, comm: p.comm });
        break;
      case 'exit': {
        const gone = this.procs.get(p.pid);
        if (gone) gone.exitedAtMs = nowMs;
        break;
      }
      default:
        break;
    }
    const self = this.lookup(p.pid);
    if (self) {
      p.exe = self.exe;
      p.argv = self.argv;
    }
    if (ev.body === 'exec') ev.ancestry = this.ancestry(p.ppid);
  }

  /** `pid` and its ancestors, nearest first, up to the depth. */
  ancestry(pid: number): ProcessNode__Output[] {
    const out: ProcessNode__Output[] = [];
    const seen = new Set<number>();
    for (let cur = pid; cur > 0 && out.length < this.depth && !seen.has(cur); ) {
      seen.add(cur);
      const p = this.lookup(cur);
      if (!p) {
        out.push({ pid: cur, exe: '', argv: [], comm: '' });
        break;
      }
      out.push((p.node ??= { pid: p.pid, exe: p.exe, argv: p.argv, comm: p.comm }));
      cur = p.ppid;
    }
    return out;
  }

  /** Forgets processes that exited more than the grace period ago. */
  reap(nowMs: number): void {
    for (const [pid, p] of this.procs) if (p.exitedAtMs !== undefined && nowMs - p.exitedAtMs > this.graceMs) this.procs.delete(pid);
  }
}
