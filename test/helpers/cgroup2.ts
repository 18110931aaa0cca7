/** A throwaway cgroup2 directory, found wherever cgroup2 is mounted here. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cgroup2Mount } from '../../controlplane/src/cli/simulate-node';

export { cgroup2Mount };

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
