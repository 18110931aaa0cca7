/**
 * Process ancestry per node, kept from fork/exec/exit events. Bounded: an
 * exited process stays a short while (late events of its children still
 * resolve), then goes; past the cap the oldest entries are evicted and
 * counted.
 */
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import type { ProcessNode__Output } from '../../../proto/generated/vigil/v1/ProcessNode';

interface Proc {
  pid: number;
  ppid: number;
  exe: string;
  argv: string[];
  comm: string;
  exitedAtMs?: number;
}

const EXITED_GRACE_MS = 30_000;

export class ProcessTree {
  private readonly nodes = new Map<string, Map<number, Proc>>();
  private size = 0;
  evicted = 0;

  constructor(private readonly cap = 200_000) {}

  private table(node: string): Map<number, Proc> {
    let t = this.nodes.get(node);
    if (!t) this.nodes.set(node, (t = new Map()));
    return t;
  }

  private set(t: Map<number, Proc>, p: Proc): void {
    if (!t.has(p.pid)) this.size++;
    else t.delete(p.pid); // re-insert: Map order is recency order
    t.set(p.pid, p);
    if (this.size > this.cap) this.evictOldest();
  }

  private evictOldest(): void {
    for (const t of this.nodes.values()) {
      const oldest = t.keys().next();
      if (!oldest.done) {
        t.delete(oldest.value);
        this.size--;
        this.evicted++;
        return;
      }
    }
  }

  /** Applies one event; every event teaches at least its own pid and parent. */
  observe(node: string, ev: Event__Output, nowMs: number): void {
    const p = ev.process;
    if (!p) return;
    const t = this.table(node);
    const known = t.get(p.pid);
    switch (ev.body) {
      case 'fork': {
        const parent = known ?? { pid: p.pid, ppid: p.ppid, exe: '', argv: [], comm: p.comm };
        if (!known) this.set(t, parent);
        this.set(t, { ...parent, pid: ev.fork!.child_pid, ppid: p.pid, exitedAtMs: undefined });
        break;
      }
      case 'exec':
        this.set(t, { pid: p.pid, ppid: p.ppid, exe: ev.exec!.filename, argv: ev.exec!.argv, comm: p.comm });
        break;
      case 'exit':
        if (known) known.exitedAtMs = nowMs;
        break;
      default:
        if (!known) this.set(t, { pid: p.pid, ppid: p.ppid, exe: '', argv: [], comm: p.comm });
    }
  }

  /** Ancestors of `pid` on `node`, nearest first, at most `depth`. */
  ancestry(node: string, pid: number, depth = 8): ProcessNode__Output[] {
    const t = this.nodes.get(node);
    const out: ProcessNode__Output[] = [];
    let cur = t?.get(pid)?.ppid;
    while (t && cur && out.length < depth) {
      const p = t.get(cur);
      if (!p) {
        out.push({ pid: cur, exe: '', argv: [], comm: '' });
        break;
      }
      out.push({ pid: p.pid, exe: p.exe, argv: p.argv, comm: p.comm });
      if (p.ppid === p.pid) break;
      cur = p.ppid;
    }
    return out;
  }

  /** Drops processes that exited more than the grace period ago. */
  reap(nowMs: number): void {
    for (const t of this.nodes.values())
      for (const [pid, p] of t)
        if (p.exitedAtMs !== undefined && nowMs - p.exitedAtMs > EXITED_GRACE_MS) {
          t.delete(pid);
          this.size--;
        }
  }
}
