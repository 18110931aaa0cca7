/** Maps repeated strings (node names, container ids) to integer keys, cached. */
import type { Db } from './db';

/** Past this many cached keys the cache starts over: containers come and go for ever. */
const MAX_CACHED = 50_000;

export class Interner {
  private readonly cache = new Map<string, number>();
  private readonly select;
  private readonly insert;

  constructor(db: Db, table: 'nodes' | 'containers', column: 'name' | 'container_id') {
    this.select = db.prepare(`SELECT id FROM ${table} WHERE ${column} = ?`).pluck();
    this.insert = db.prepare(`INSERT INTO ${table} (${column}) VALUES (?)`);
  }

  /** The key of `value`, created when new (call inside the writer's transaction). */
  id(value: string): number {
    let id = this.cache.get(value);
    if (id === undefined) {
      id = (this.select.get(value) as number | undefined) ?? Number(this.insert.run(value).lastInsertRowid);
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(value, id);
    }
    return id;
  }

  /** The key of `value` if it exists, without creating it. */
  find(value: string): number | undefined {
    return this.cache.get(value) ?? (this.select.get(value) as number | undefined);
  }

  /** Forgets every key: after a transaction that failed, a row it made is gone. */
  clear(): void {
    this.cache.clear();
  }

  /** Drops `value` from the cache, for when its row may be deleted. */
  forget(value: string): void {
    this.cache.delete(value);
  }
}
