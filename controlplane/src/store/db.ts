/**
 * Opens the store: creates the data directory (0700) and the database file
 * (0600), sets WAL, and runs pending migrations inside one transaction each.
 * Failures name the file and say what to do.
 */
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MIGRATIONS } from './migrations';
import { VigilError } from '../../../proto/errors';
import { makeDir } from '../../../proto/make-dir';

export type Db = Database.Database;

export const DB_FILE = 'vigil.db';

/**
 * Bytes per page of a new store. An exec's row is 0.5–2 kB (its ancestry's
 * command lines), and SQLite puts whole rows in a page: at the default 4 kB
 * two 2.1 kB rows never share one, so every exec wrote, logged and
 * checkpointed a page mostly empty. At 16 kB the same rows commit in half
 * the CPU and take 40 % less disk (measured with better-sqlite3 alone).
 */
const PAGE_SIZE = 16384;

export function dbPath(dataDir: string): string {
  return path.join(dataDir, DB_FILE);
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED') return 'the database is locked by another process; stop it or wait';
  if (e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT') return 'the file is not a Vigil database or is damaged';
  return e.message ?? String(err);
}

/** The writer's connection; creates the store when it does not exist. */
export function openStore(dataDir: string): Db {
  const file = dbPath(dataDir);
  try {
    makeDir(dataDir, 0o700);
    // Create the file ourselves so it is 0600 whatever the umask; SQLite gives
    // its -wal and -shm files the same mode.
    fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_RDWR, 0o600));
    const db = new Database(file, { timeout: 5000 });
    // Before the first table, or it is ignored (a store made with another size keeps it).
    db.pragma(`page_size = ${PAGE_SIZE}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, file);
    return db;
  } catch (err) {
    if (err instanceof VigilError) throw err;
    throw new VigilError('STORE_UNAVAILABLE', `open store ${file}: ${describe(err)}`, { cause: err });
  }
}

/** Throws, saying what to do, when `dataDir` holds no store: for commands that must not make one. */
export function requireStore(dataDir: string): void {
  const file = dbPath(dataDir);
  if (!fs.existsSync(file)) throw new VigilError('STORE_UNAVAILABLE', `no Vigil store at ${file}: start the control plane (vigil up) or pass --data-dir`);
}

/** A read-only connection for the query commands; never creates anything. */
export function openStoreReadOnly(dataDir: string): Db {
  requireStore(dataDir);
  const file = dbPath(dataDir);
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== MIGRATIONS.length)
      throw new VigilError('STORE_UNAVAILABLE', `store ${file} has schema ${version}, this vigil reads ${MIGRATIONS.length}: start the control plane of this version once to migrate it`);
    return db;
  } catch (err) {
    if (err instanceof VigilError) throw err;
    throw new VigilError('STORE_UNAVAILABLE', `open store ${file}: ${describe(err)}`, { cause: err });
  }
}

function migrate(db: Db, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length)
    throw new VigilError('STORE_UNAVAILABLE', `store ${file} has schema ${current}, newer than this vigil (${MIGRATIONS.length}); upgrade vigil`);
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
