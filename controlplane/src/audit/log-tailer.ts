/**
 * Follows a JSON-lines audit log. The read position (inode and offset of the
 * last complete line) is stored with the events it covers, in the same
 * transaction, so a restart neither re-reads nor skips. On rotation the rest
 * of the old file is read first (found by its inode in the same directory),
 * then the new file from its start; a truncated file is read from its start.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AuditRepo } from '../store/audit-repo';
import type { AuditIngest } from './audit-ingest';
import { parseAuditPayload } from './parse-audit';

const POLL_MS = 250;
const READ_CHUNK = 4 * 1024 * 1024;

export class AuditLogTailer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private busy = false;

  constructor(
    private readonly file: string,
    private readonly repo: AuditRepo,
    private readonly ingest: AuditIngest,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.poll()
        .catch((err: Error) => this.log(`audit log ${this.file}: ${err.message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, POLL_MS);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Reads what is new. */
  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      let st: fs.Stats;
      try {
        st = fs.statSync(this.file);
      } catch {
        return; // not there yet, or between rotation steps
      }
      const pos = this.repo.position(this.file);
      if (pos && pos.inode !== st.ino) {
        const rotated = this.findByInode(pos.inode);
        if (rotated) await this.readFrom(rotated, pos.inode, pos.offset);
        await this.readFrom(this.file, st.ino, 0);
      } else {
        const offset = pos && pos.offset <= st.size ? pos.offset : 0;
        if (pos && pos.offset > st.size) this.log(`audit log ${this.file} shrank below the last read position: reading it from the start`);
        await this.readFrom(this.file, st.ino, offset);
      }
    } finally {
      this.busy = false;
    }
  }

  private findByInode(inode: number): string | undefined {
    const dir = path.dirname(this.file);
    for (const name of fs.readdirSync(dir)) {
      const p = path.join(dir, name);
      try {
        if (fs.statSync(p).ino === inode) return p;
      } catch {
        // gone meanwhile
      }
    }
    return undefined;
  }

  /** Ingests complete lines of `file` from `offset`; the position is stored under this.file. */
  private async readFrom(file: string, inode: number, offset: number): Promise<void> {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(READ_CHUNK);
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, offset);
        if (n === 0) return;
        const end = buf.lastIndexOf(0x0a, n - 1);
        if (end === -1) {
          if (n === buf.length) throw new Error(`a line at byte ${offset} is longer than ${READ_CHUNK} bytes`);
          return; // a line still being written
        }
        const text = buf.toString('utf8', 0, end + 1);
        const parsed = parseAuditPayload(text, `${file} at byte ${offset}`);
        for (const e of parsed.errors.slice(0, 3)) this.log(`skipped: ${e}`);
        if (parsed.errors.length > 3) this.log(`skipped ${parsed.errors.length - 3} more bad lines of ${file}`);
        offset += end + 1;
        await this.ingest.ingest(parsed.events, { path: this.file, inode, offset });
      }
    } finally {
      fs.closeSync(fd);
    }
  }
}
