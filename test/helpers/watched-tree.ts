/**
 * A throwaway directory laid out like the places the file hooks watch, and
 * a watch table over it, so tests exercise the kernel filter on real files
 * without touching the machine's real credentials.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileAccess__Output } from '../../proto/generated/vigil/v1/FileAccess';
import type { WatchedPath } from '../../proto/watched-paths';
import { EventRecorder } from './event-recorder';
import { run } from './processes';
import { tempDir } from './temp-dir';

export class WatchedTree {
  readonly root = fs.realpathSync(tempDir('vigil-watched-'));

  /** Patterns over the tree, shaped like the default table's. */
  readonly paths: WatchedPath[] = [
    { path: this.at('etc/shadow'), category: 'shadow' },
    { path: this.at('keys/'), category: 'ssh' },
    { path: this.at('home/*/.ssh/'), category: 'ssh' },
    { path: this.at('home/*/.bash_history'), category: 'shell-history', access: ['truncate', 'delete', 'replace'] },
  ];

  constructor() {
    this.write('etc/shadow', 'root:*:19000::::::\n');
    this.write('etc/hostname', 'not watched\n');
    this.write('keys/id_rsa', 'PRIVATE\n');
    this.write('home/alice/.ssh/id_ed25519', 'PRIVATE\n');
    this.write('home/alice/.bash_history', 'ls\n');
    this.write('home/alice/notes.txt', 'not watched\n');
  }

  at(rel: string): string {
    return path.join(this.root, rel);
  }

  write(rel: string, content: string): string {
    const file = this.at(rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  }
}

/** A sensor with only the file hooks, watching a fresh WatchedTree. */
export class FileWatchSession {
  readonly tree = new WatchedTree();
  readonly rec = new EventRecorder({ types: ['file'], watchedPaths: this.tree.paths });

  /** Runs `file args` to a zero exit; its stdout and, once they had time to arrive, its file events. */
  async run(file: string, args: string[], cwd?: string): Promise<{ out: string; files: FileAccess__Output[] }> {
    const child = await run(file, args, { cwd });
    assert.equal(child.code, 0, `${file} ${args.join(' ')}: ${child.stderr}`);
    await this.rec.settle();
    const files = this.rec.events.filter((e) => e.body === 'file' && e.process?.pid === child.pid).map((e) => e.file!);
    return { out: child.stdout.trim(), files };
  }

  /** The file events of `file args`. */
  async files(file: string, args: string[], cwd?: string): Promise<FileAccess__Output[]> {
    return (await this.run(file, args, cwd)).files;
  }

  stop() {
    return this.rec.stop();
  }
}

/** For a describe() of file-hook tests: a session started before its tests and stopped after them. */
export function fileWatchSuite(): () => FileWatchSession {
  let session: FileWatchSession | undefined;
  before(() => void (session = new FileWatchSession()));
  after(() => session?.stop());
  return () => session!;
}
