/** A throwaway cgroup2 directory, found wherever cgroup2 is mounted here. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Mount point of the cgroup2 hierarchy: /sys/fs/cgroup (pure v2) or /sys/fs/cgroup/unified (hybrid). */
export function cgroup2Mount(): string {
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (post?.startsWith('cgroup2 ')) return pre.split(' ')[4];
  }
  throw new Error('no cgroup2 hierarchy is mounted (looked in /proc/self/mountinfo)');
}

export class TestCgroup {
  readonly parent: string;
  readonly dir: string;

  /** Creates <cgroup2>/<parentName>/<leafName>. */
  constructor(parentName: string, leafName: string) {
    this.parent = path.join(cgroup2Mount(), parentName);
    this.dir = path.join(this.parent, leafName);
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** The cgroup id the kernel reports: the directory's inode. */
  id(): string {
    return String(fs.statSync(this.dir, { bigint: true }).ino);
  }

  /** Removes the directories; their processes must have exited. */
  remove(): void {
    for (const d of [this.dir, this.parent]) {
      for (let i = 0; i < 50; i++) {
        try {
          fs.rmdirSync(d);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') break;
          // An exited task leaves the cgroup a moment after wait() returns.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        }
      }
    }
  }
}
