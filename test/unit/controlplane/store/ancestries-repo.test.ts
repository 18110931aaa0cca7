import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Event__Output } from '../../../../proto/generated/vigil/v1/Event';
import type { ProcessNode__Output } from '../../../../proto/generated/vigil/v1/ProcessNode';
import { eventCodec } from '../../../../proto/loader';
import { ancestryStart } from '../../../../controlplane/src/store/ancestries-repo';
import { openStore, type Db } from '../../../../controlplane/src/store/db';
import { EventsRepo } from '../../../../controlplane/src/store/events-repo';
import { OutputsRepo } from '../../../../controlplane/src/store/outputs-repo';
import { Retention } from '../../../../controlplane/src/store/retention';
import { encodeEvent } from '../../../../sensor/src/event-encoding';
import { batchRowsOf, eventFilter, execEvent } from '../../../helpers/synthetic-events';
import { tempDir } from '../../../helpers/temp-dir';

const node = (pid: number, argv: string[]): ProcessNode__Output => ({ pid, exe: argv[0], argv, comm: argv[0].slice(-15) });
const SHELL = [node(200, ['/bin/bash', '-c', 'x'.repeat(1500)]), node(100, ['/usr/sbin/sshd', '-D']), node(1, ['/sbin/init'])];
const CRON = [node(300, ['/usr/sbin/cron', '-f']), node(1, ['/sbin/init'])];
const exec = (pid: number, ancestry: ProcessNode__Output[], sec = 1000) => execEvent({ pid, ppid: ancestry[0]?.pid ?? 1, ancestry, timeNs: BigInt(sec) * 1_000_000_000n });

const count = (db: Db, table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const stored = (repo: EventsRepo) => repo.list(eventFilter({}), 1000, '').events.map((e) => e.event!).reverse();
const canonical = (evs: Event__Output[]) => evs.map((e) => eventCodec().decode(eventCodec().encode(e)));

describe("an event's ancestry: where it starts in the event's bytes", () => {
  test('from its first ancestor to the end, in the sensor\'s encoding and in protobufjs\'s', () => {
    const ev = exec(10, SHELL);
    for (const bytes of [Buffer.from(encodeEvent(ev)), Buffer.from(eventCodec().encode(ev))]) {
      const start = ancestryStart(bytes);
      assert.ok(start > 0 && start < bytes.length - 1500, `${start} of ${bytes.length}`);
      assert.deepEqual(eventCodec().decode(bytes.subarray(0, start)).ancestry, [], 'the head holds no ancestor');
      assert.deepEqual(eventCodec().decode(Buffer.concat([bytes.subarray(0, start), bytes.subarray(start)])), eventCodec().decode(bytes));
    }
  });

  test('none: the whole body; an ancestor followed by another field, or bytes cut short: the whole body (kept as it is)', () => {
    const plain = Buffer.from(eventCodec().encode(exec(10, [])));
    assert.equal(ancestryStart(plain), plain.length);
    const full = Buffer.from(eventCodec().encode(exec(10, SHELL)));
    const start = ancestryStart(full);
    const reordered = Buffer.concat([full.subarray(start), full.subarray(0, start)]);
    assert.equal(ancestryStart(reordered), reordered.length);
    const cut = full.subarray(0, full.length - 3);
    assert.equal(ancestryStart(cut), cut.length);
  });
});

describe('ancestries stored once', () => {
  test('execs of one parent share one row; every event reads back whole, its ancestry included, through the query and the exports', () => {
    const db = openStore(tempDir());
    const repo = new EventsRepo(db);
    const batches = [
      [exec(10, SHELL), exec(11, SHELL), exec(12, CRON)],
      [exec(13, SHELL), exec(14, []), exec(15, CRON)],
    ];
    batches.forEach((evs, i) => db.transaction(() => repo.insertBatch('n1', BigInt(i + 1), batchRowsOf(evs), null))());
    assert.equal(count(db, 'ancestries'), 2, 'one row per distinct ancestry');
    assert.deepEqual(stored(repo), canonical(batches.flat()));
    const bodies = db.prepare('SELECT length(body) FROM events ORDER BY id').pluck().all() as number[];
    assert.ok(bodies[0] < 800, `an exec's own row holds its own fields only: ${bodies[0]} bytes`);
    const outputs = new OutputsRepo(db);
    const exported = outputs.eventBodies({ seq: 1n, firstEventId: 1, lastEventId: 3 } as Parameters<OutputsRepo['eventBodies']>[0]).map((b) => eventCodec().decode(b));
    assert.deepEqual(exported, canonical(batches[0]));
  });

  test('retention deletes an ancestry with the last event that refers to it, keeps one a later event refers to, and a later repeat of a deleted one is written again', async () => {
    const db = openStore(tempDir());
    const repo = new EventsRepo(db);
    const old = [exec(10, SHELL, 1000), exec(11, CRON, 1000)];
    const recent = [exec(12, SHELL, 2_000_000_000)];
    db.transaction(() => repo.insertBatch('n1', 1n, batchRowsOf(old), null))();
    db.transaction(() => repo.insertBatch('n1', 2n, batchRowsOf(recent), null))();
    // The old batch is decades old; the recent one is in the future.
    await new Retention(db, { maxAgeMs: 1000 }, () => {}).runOnce();
    assert.equal(count(db, 'ancestries'), 1, "cron's ancestry went with its only event");
    assert.deepEqual(stored(repo), canonical(recent), 'the shell ancestry stays for the event that refers to it');
    db.prepare('DELETE FROM events').run();
    await new Retention(db, { maxAgeMs: 1000 }, () => {}).runOnce();
    assert.equal(count(db, 'ancestries'), 0);
    const again = [exec(13, CRON, 2_000_000_001), exec(14, SHELL, 2_000_000_001)];
    db.transaction(() => repo.insertBatch('n1', 3n, batchRowsOf(again), null))();
    assert.deepEqual(stored(repo), canonical(again), 'remembered ids of deleted rows are not referred to');
  });

  test('after a transaction that failed, no id it wrote is referred to (it may since name other bytes)', () => {
    const db = openStore(tempDir());
    const repo = new EventsRepo(db);
    assert.throws(() =>
      db.transaction(() => {
        repo.insertBatch('n1', 1n, batchRowsOf([exec(10, SHELL)]), null);
        throw new Error('disk full');
      })(),
    );
    repo.forgetCached(); // what the writer thread does when a batch fails
    const evs = [exec(11, CRON), exec(12, SHELL)];
    db.transaction(() => repo.insertBatch('n1', 1n, batchRowsOf(evs), null))();
    assert.deepEqual(stored(repo), canonical(evs));
  });

  test('events stored whole by an earlier version read back as they were', () => {
    const db = openStore(tempDir());
    const repo = new EventsRepo(db);
    const ev = exec(10, SHELL);
    db.prepare("INSERT INTO nodes (name) VALUES ('n1')").run();
    db.prepare('INSERT INTO events (ts_us, type, node_id, batch_seq, pid, container_ref, body) VALUES (1, 1, 1, 1, 10, NULL, ?)').run(Buffer.from(eventCodec().encode(ev)));
    assert.deepEqual(stored(repo), canonical([ev]));
  });
});
