/**
 * mkdir -p that gives up instead of looping. Node's recursive mkdir, told
 * ENOENT for a directory whose parent exists (the kernel refuses children
 * of /proc and /sys), makes the parent again and retries, forever:
 * `vigil controlplane --data-dir /proc/x` hung at start. Here each missing
 * parent is made once, and the second refusal is the error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Makes `dir` with `mode`, and its missing parents; a directory there already is fine, anything else there is ENOTDIR. */
export function makeDir(dir: string, mode?: number): void {
  try {
    fs.mkdirSync(dir, { mode });
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return mustBeDirectory(dir, err);
    const parent = path.dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    makeDir(parent, mode);
  }
  try {
    fs.mkdirSync(dir, { mode });
  } catch (err) {
    // Made meanwhile by someone else: as good as made here.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return mustBeDirectory(dir, err);
    throw err;
  }
}

function mustBeDirectory(dir: string, err: unknown): void {
  if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR', path: dir, cause: err });
}
