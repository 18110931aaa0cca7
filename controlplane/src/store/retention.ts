/**
 * Prunes the store by age and by size in the background. Work is cut into
 * small transactions with a yield between them, so ingest never waits long
 * for the write lock.
 */
import { deleteUnreferencedAncestries } from './ancestries-repo';
import { ContainersRepo } from './containers-repo';
import type { Db } from './db';
import { nowUs } from './time';

export interface RetentionPolicy {
  /** Events and alerts older than this go. */
  maxAgeMs?: number;
  /** The database's used pages are kept under this many bytes. */
  maxBytes?: number;
}

const CHUNK = 5000;
const yieldToIngest = () => new Promise<void>((r) => setImmediate(r));

export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly containers: ContainersRepo;
  /** Rows deleted so far, per table. */
  readonly deleted = { events: 0, ancestries: 0, alerts: 0, audit_events: 0 };

  constructor(
    private readonly db: Db,
    private readonly policy: RetentionPolicy,
    private readonly log: (line: string) => void,
    private readonly intervalMs = 60_000,
  ) {
    this.containers = new ContainersRepo(db);
  }

  start(): void {
    if (!this.policy.maxAgeMs && !this.policy.maxBytes) return;
    const tick = () => {
      this.running = this.runOnce()
        .catch((err: Error) => this.log(`retention: ${err.message}`))
        .finally(() => (this.timer = setTimeout(tick, this.intervalMs)));
    };
    this.timer = setTimeout(tick, Math.min(this.intervalMs, 1000));
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  usedBytes(): number {
    const pages = (this.db.pragma('page_count', { simple: true }) as number) - (this.db.pragma('freelist_count', { simple: true }) as number);
    return pages * (this.db.pragma('page_size', { simple: true }) as number);
  }

  async runOnce(): Promise<void> {
    if (this.policy.maxAgeMs) {
      const cutoff = nowUs() - this.policy.maxAgeMs * 1000;
      const upTo = this.db.prepare('SELECT coalesce(max(last_event_id), 0) FROM batches WHERE max_ts_us < ?').pluck().get(cutoff) as number;
      await this.deleteEventsUpTo(upTo);
      this.db.prepare('DELETE FROM batches WHERE max_ts_us < ? OR (first_event_id IS NULL AND committed_at_us < ?)').run(cutoff, cutoff);
      this.deleted.alerts += this.db.prepare('DELETE FROM alerts WHERE last_seen_us < ?').run(cutoff).changes;
      const audit = this.db.prepare('DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE ts_us < ? LIMIT ?)');
      for (;;) {
        const { changes } = audit.run(cutoff, CHUNK);
        this.deleted.audit_events += changes;
        if (changes < CHUNK) break;
        await yieldToIngest();
      }
    }
    if (this.policy.maxBytes) {
      while (this.usedBytes() > this.policy.maxBytes) {
        const range = this.db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM events').get() as { lo: number | null; hi: number | null };
        if (range.lo === null || range.hi === null) break;
        // The oldest tenth at a time: big enough to make progress, small enough
        // to keep most history.
        await this.deleteEventsUpTo(range.lo + Math.max(0, Math.floor((range.hi - range.lo + 1) / 10) - 1));
        const lo = this.db.prepare('SELECT coalesce(min(id), 9223372036854775807) FROM events').pluck().get() as number;
        this.db.prepare('DELETE FROM batches WHERE last_event_id < ?').run(lo);
      }
    }
    this.containers.prune();
  }

  private async deleteEventsUpTo(id: number): Promise<void> {
    const del = this.db.prepare('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id <= ? ORDER BY id LIMIT ?)');
    for (;;) {
      const { changes } = del.run(id, CHUNK);
      this.deleted.events += changes;
      if (changes < CHUNK) break;
      await yieldToIngest();
    }
    // Their ancestries with them, before the size is measured again: else the bound would take more events than it needs.
    this.deleted.ancestries += deleteUnreferencedAncestries(this.db);
  }
}
