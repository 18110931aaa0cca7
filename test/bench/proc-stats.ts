/**
 * CPU time of processes and their threads, from /proc: what the benchmarks
 * use to say which process, and which thread of it, a cost belongs to.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Microseconds per clock tick of /proc's CPU times. */
export const TICK_US = 1e6 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** CPU ticks of each thread of process `pid` that is not its main thread, and of the main one. */
export function threadTicks(pid: number): { main: number; others: number } {
  const out = { main: 0, others: 0 };
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const f = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      out[Number(tid) === pid ? 'main' : 'others'] += Number(f[11]) + Number(f[12]);
    }
  } catch {
    // gone
  }
  return out;
}

