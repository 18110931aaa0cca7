/**
 * Follows a JSON-lines audit log. The read position (inode and offset of the
 * last complete line) is stored with the events it covers, in the same
 * transaction, so a restart neither re-reads nor skips. On rotation the rest
 * of the old file is read first (found by its inode in the same directory),
 * then the new file from its start; a truncated file is read from its start.
 * A line that is not a usable audit event, or is longer than MAX_LINE_BYTES,
 * is skipped and recorded as a gap with its offset, and reading goes on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AuditRepo } from '../store/audit-repo';
import type { AuditIngest } from './audit-ingest';
import { AuditParser } from './parse-audit';

const POLL_MS = 250;
/** Longer lines are skipped; also the size of one read. */
const MAX_LINE_BYTES = 4 * 1024 * 1024;
const SCAN_CHUNK = 1024 * 1024;
/** Chunks in flight: one being stored while the next is parsed and judged. */
const PIPELINE_DEPTH = 2;

type StoredPosition = { inode: number; offset: number };

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
      const pos = this.repo.position(this.file) ?? null;
      if (pos && pos.inode !== st.ino) {
        const rotated = this.findByInode(pos.inode);
        const after = rotated ? await this.readFrom(rotated, pos.inode, pos.offset, pos) : pos;
        await this.readFrom(this.file, st.ino, 0, after);
      } else {
        const offset = pos && pos.offset <= st.size ? pos.offset : 0;
        if (pos && pos.offset > st.size) this.log(`audit log ${this.file} shrank below the last read position: reading it from the start`);
        await this.readFrom(this.file, st.ino, offset, pos);
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

  /**
   * Ingests complete lines of `file` from `offset`; the position is stored
   * under this.file. While one chunk is being stored the next is parsed and
   * judged: each write names the position it follows (`after`, the stored
   * one at first), and the writer refuses it if that is not what is stored,
   * so a failed write stops the ones behind it and the next poll re-reads
   * from the last committed line. Returns the position of the last write.
   */
  private async readFrom(file: string, inode: number, offset: number, after: StoredPosition | null): Promise<StoredPosition | null> {
    const fd = fs.openSync(file, 'r');
    const writing: Promise<void>[] = [];
    let failure: Error | undefined;
    try {
      const buf = Buffer.alloc(MAX_LINE_BYTES);
      while (!failure) {
        const n = fs.readSync(fd, buf, 0, buf.length, offset);
        if (n === 0) break;
        const parsed = new AuditParser(Date.now());
        let start = 0;
        for (let nl = buf.indexOf(0x0a); nl !== -1 && nl < n; nl = buf.indexOf(0x0a, start)) {
          parsed.line(buf.toString('utf8', start, nl), `${file} at byte ${offset + start}`, offset + start);
          start = nl + 1;
        }
        if (start === 0) {
          if (n < buf.length) break; // a line still being written
          const end = this.lineEnd(fd, offset + n);
          if (end === undefined) break; // an over-long line still being written: judged once it ends
          const bytes = end + 1 - offset;
          parsed.skippedUnread(`${file} at byte ${offset}: a line of ${bytes} bytes is longer than ${MAX_LINE_BYTES}; skipped`, bytes, offset);
          start = bytes;
        }
        this.logProblems(parsed.problems.map((p) => p.reason));
        offset += start;
        writing.push(
          this.ingest.ingest(parsed, this.file, { path: this.file, inode, offset, after }).then(
            () => undefined,
            (err: Error) => void (failure ??= err),
          ),
        );
        after = { inode, offset };
        if (writing.length >= PIPELINE_DEPTH) await writing.shift();
      }
    } finally {
      fs.closeSync(fd);
      await Promise.all(writing);
    }
    if (failure) throw failure;
    return after;
  }

  /** The offset of the first newline at or after `from`, or undefined at the end of the file. */
  private lineEnd(fd: number, from: number): number | undefined {
    const buf = Buffer.alloc(SCAN_CHUNK);
    for (let at = from; ; at += buf.length) {
      const n = fs.readSync(fd, buf, 0, buf.length, at);
      if (n === 0) return undefined;
      const nl = buf.subarray(0, n).indexOf(0x0a);
      if (nl !== -1) return at + nl;
    }
  }

  private logProblems(reasons: string[]): void {
    for (const r of reasons.slice(0, 3)) this.log(`skipped: ${r}`);
    if (reasons.length > 3) this.log(`skipped ${reasons.length - 3} more lines of ${this.file}; all are recorded in audit_gaps`);
  }
}
