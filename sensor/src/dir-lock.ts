/**
 * One sensor per log directory. Two would replay and trim each other's
 * write-ahead log, and the second would read the first's "running" mark as
 * a death and report a window the node was in fact watched. The lock is a
 * file naming its holder's pid: a holder that died (SIGKILL, OOM) leaves
 * it behind, so it only counts while that pid is a live `vigil` process.
 * Node.js has no flock(2); a pid reused by another vigil process in the
 * meantime would be refused wrongly, and say so with its pid.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VigilError } from '../../proto/errors';

function liveVigil(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('vigil');
  } catch {
    return false;
  }
}

/** Takes `dir`'s lock for this process; the returned function gives it back. */
export function lockDir(dir: string): () => void {
  const file = path.join(dir, 'lock');
  const mine = `${process.pid}\n`;
  try {
    fs.writeFileSync(file, mine, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new VigilError('UNAVAILABLE', `lock ${file}: ${(err as Error).message}`, { cause: err });
    const holder = Number(fs.readFileSync(file, 'utf8').trim());
    // This process's own pid: an earlier holder in this process that was never closed (a test standing in for a death).
    if (holder !== process.pid && Number.isInteger(holder) && holder > 0 && liveVigil(holder)) {
      throw new VigilError('ALREADY_RUNNING', `another sensor (pid ${holder}) uses the log in ${dir}; stop it, or give this one another --spill-dir or --data-dir`);
    }
    fs.writeFileSync(file, mine, { mode: 0o600 });
  }
  return () => {
    try {
      if (fs.readFileSync(file, 'utf8') === mine) fs.unlinkSync(file);
    } catch {
      // Already gone: nothing to give back.
    }
  };
}
