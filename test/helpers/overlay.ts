/**
 * A real overlayfs mount in a temp dir, laid out like a container's root: a
 * lower (image) directory filled before the mount, an upper (writable) one,
 * and the merged view processes run from.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './temp-dir';

export class TestOverlay {
  readonly lower: string;
  readonly upper: string;
  readonly merged: string;
  private mounted = false;

  /** `image` lists files of the lower layer: name → source file to copy, mode kept. */
  constructor(image: Record<string, string>) {
    const dir = tempDir('vigil-overlay-');
    this.lower = path.join(dir, 'lower');
    this.upper = path.join(dir, 'upper');
    this.merged = path.join(dir, 'merged');
    const work = path.join(dir, 'work');
    for (const d of [this.lower, this.upper, this.merged, work]) fs.mkdirSync(d);
    for (const [name, source] of Object.entries(image)) fs.copyFileSync(source, path.join(this.lower, name));
    try {
      execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${this.lower},upperdir=${this.upper},workdir=${work}`, this.merged], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`mount overlayfs at ${this.merged}: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}`);
    }
    this.mounted = true;
  }

  /** A path in the merged view. */
  at(name: string): string {
    return path.join(this.merged, name);
  }

  unmount(): void {
    if (this.mounted) execFileSync('umount', [this.merged]);
    this.mounted = false;
  }
}
