/** File paths as rules compare them: written any way, resolved the way the kernel would. */
import * as path from 'node:path';
import { isDescriptorPath } from '../../../proto/descriptor-path';

/** The last component of a path written any way (`//bin/../bin/sh`). */
export function basename(p: string): string {
  // Most paths are plain; normalizing costs more than everything else a rule does.
  if (!p.includes('/.') && !p.includes('//') && !p.endsWith('/')) return p.slice(p.lastIndexOf('/') + 1);
  return path.posix.basename(path.posix.normalize(p || '.'));
}

/** A path as the kernel resolves it, without touching the disk: `//etc/./x/..` is /etc. */
export function normalizePath(p: string): string {
  return p.includes('/.') || p.includes('//') || (p.endsWith('/') && p.length > 1) ? path.posix.normalize(p).replace(/(.)\/+$/, '$1') : p;
}

/**
 * Directories anyone may write to: a program run from there was put there
 * at run time. /proc/self/cwd and /proc/N/cwd stand for a directory the
 * event does not name, so they count too.
 */
const WRITABLE_DIRS = /^\/(tmp|var\/tmp|dev\/shm|run\/user|var\/run\/user|dev\/mqueue|run\/lock|var\/lock|var\/run\/lock|proc\/(self|thread-self|\d+)\/cwd)\//;

export function inWritableDir(file: string): boolean {
  return WRITABLE_DIRS.test(normalizePath(file));
}

/** A program run from an open file descriptor (fexecve, a memfd): it need never have been a file on disk. */
export function isDescriptorExec(file: string): boolean {
  return isDescriptorPath(file) || file.startsWith('memfd:');
}

/** A path relative to a working directory the event does not carry (./x, bin/x). */
export function isRelative(file: string): boolean {
  return file !== '' && !file.startsWith('/');
}
