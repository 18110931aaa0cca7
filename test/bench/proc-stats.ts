/**
 * CPU time of processes and their threads, from /proc: what the benchmarks
 * use to say which process, and which thread of it, a cost belongs to.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Microseconds per clock tick of /proc's CPU times. */
export const TICK_US = 1e6 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** User + sys ticks from a /proc stat file (a process's or one thread's); throws when it is gone. */
function statTicks(file: string): number {
  const f = fs.readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** CPU ticks of each thread of process `pid` that is not its main thread, and of the main one. */
export function threadTicks(pid: number): { main: number; others: number } {
  const out = { main: 0, others: 0 };
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) out[Number(tid) === pid ? 'main' : 'others'] += statTicks(`/proc/${pid}/task/${tid}/stat`);
  } catch {
    // gone
  }
  return out;
}

/** CPU ticks (user + sys, every thread) of processes `pids` so far. */
export function cpuTicks(pids: readonly number[]): number {
  let t = 0;
  for (const pid of pids) {
    try {
      t += statTicks(`/proc/${pid}/stat`);
    } catch {
      // gone
    }
  }
  return t;
}

/** `pid` and its descendants. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    for (const task of fs.readdirSync(`/proc/${out[i]}/task`, { withFileTypes: true })) {
      try {
        out.push(...fs.readFileSync(`/proc/${out[i]}/task/${task.name}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
      } catch {
        // gone
      }
    }
  }
  return [...new Set(out)];
}

/**
 * Function-call interrupts (one CPU asking another to run something: TLB
 * and mount-table work) taken by every CPU so far. Some storms send them to
 * the other CPU, where the monitor runs, and its time handling them is
 * charged to whatever process runs there.
 */
export function functionCallInterrupts(): number {
  const line = fs.readFileSync('/proc/interrupts', 'utf8').split('\n').find((l) => l.trim().startsWith('CAL:'));
  return line ? line.trim().split(/\s+/).slice(1).filter((x) => /^\d+$/.test(x)).reduce((n, x) => n + Number(x), 0) : 0;
}

type MemoryField = 'VmRSS' | 'VmHWM' | 'Pss';

/**
 * A memory figure of process `pid` in KiB, undefined when it is gone:
 * VmRSS or VmHWM from status (a page of the node binary counted once per
 * process), or Pss from smaps_rollup (each shared page split among the
 * processes that map it: what a monitor of two node processes sharing one
 * binary adds to the machine).
 */
export function memoryKiB(pid: number, field: MemoryField): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(fs.readFileSync(`/proc/${pid}/${field === 'Pss' ? 'smaps_rollup' : 'status'}`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The sum over `pids` of a memory figure, in KiB; a process gone counts nothing. */
export function memKiB(pids: readonly number[], field: MemoryField): number {
  return pids.reduce((kib, pid) => kib + (memoryKiB(pid, field) ?? 0), 0);
}

/** A memory figure of process `pid` in MiB to a tenth, NaN when it is gone. */
export function memMiB(pid: number, field: MemoryField): number {
  return Math.round(((memoryKiB(pid, field) ?? NaN) / 1024) * 10) / 10;
}
