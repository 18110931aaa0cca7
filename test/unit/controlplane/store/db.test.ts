import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { MIGRATIONS } from '../../../../controlplane/src/store/migrations';
import { dbPath, openStore, openStoreReadOnly } from '../../../../controlplane/src/store/db';
import { tempDir } from '../../../helpers/temp-dir';

describe('store file', () => {
  test('a new store is 0600, in WAL, migrated, with pages large enough that exec rows share them', () => {
    const dataDir = tempDir();
    openStore(dataDir).close();
    const file = dbPath(dataDir);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const db = openStoreReadOnly(dataDir);
    assert.equal(db.pragma('page_size', { simple: true }), 16384);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    db.close();
  });

  test('a store made with 4 kB pages keeps them and its rows, and takes writes', () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'vigil.db');
    const old = new Database(file);
    old.pragma('page_size = 4096');
    old.pragma('journal_mode = WAL');
    old.exec(MIGRATIONS[0]);
    old.pragma('user_version = 1');
    old.prepare("INSERT INTO nodes (name) VALUES ('old-node')").run();
    old.close();
    const db = openStore(dataDir);
    assert.equal(db.pragma('page_size', { simple: true }), 4096);
    db.prepare("INSERT INTO nodes (name) VALUES ('new-node')").run();
    assert.deepEqual(db.prepare('SELECT name FROM nodes ORDER BY name').pluck().all(), ['new-node', 'old-node']);
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    db.close();
  });
});
