import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { sensorMessageCodec } from '../../../proto/loader';
import { Outbox } from '../../../sensor/src/outbox';
import { execEvent } from '../../helpers/synthetic-events';
import { tempDir } from '../../helpers/temp-dir';

const events = (n: number) => Array.from({ length: n }, (_, i) => execEvent({ pid: i + 1 }));
const open = (dir: string, o: Partial<ConstructorParameters<typeof Outbox>[0]> = {}) => new Outbox({ dir, nodeName: 'node-1', ...o });
const decode = (bytes: Buffer) => sensorMessageCodec().decode(bytes).batch!;
const logFiles = (dir: string) => fs.readdirSync(path.join(dir, 'wal'));

describe('Outbox', () => {
  test('seqs are consecutive within a run and grow strictly across restarts', () => {
    const dir = tempDir();
    const a = open(dir);
    const s1 = a.enqueue(events(1))!;
    const s2 = a.enqueue(events(1))!;
    assert.equal(s2, s1 + 1n);
    const b = open(dir);
    assert.ok(b.enqueue(events(1))! > s2, 'a restarted outbox numbers above the previous run');
  });

  test('a batch is in the log before enqueue returns: a run that dies finds every unconfirmed batch, byte for byte', () => {
    const dir = tempDir();
    const a = open(dir);
    const seqs = [3, 2, 4].map((n, i) => a.enqueue(events(n), 10 * (i + 1))!);
    a.ackUpTo(seqs[0]);
    const sent = [...a.pendingAfter(0n)];
    // No close(): as after SIGKILL.
    const b = open(dir);
    assert.equal(b.stats.recoveredBatches, 3, 'the acknowledged one too, until a welcome says it is committed');
    b.ackUpTo(seqs[0]);
    const found = [...b.pendingAfter(0n)];
    assert.deepEqual(found.map((p) => p.seq), seqs.slice(1));
    assert.deepEqual(found.map((p) => p.bytes), sent.map((p) => p.bytes));
    assert.deepEqual(decode(found[1].bytes).events.map((e) => e.process?.pid), [1, 2, 3, 4]);
    assert.equal(b.accounted(), 60n, 'the running count of kernel records survives too');
  });

  test('a record torn by the death of the writer is cut off; the ones before it stay', () => {
    const dir = tempDir();
    const a = open(dir);
    const kept = a.enqueue(events(2))!;
    a.enqueue(events(2));
    const [file] = logFiles(dir);
    const full = fs.statSync(path.join(dir, 'wal', file)).size;
    fs.truncateSync(path.join(dir, 'wal', file), full - 10);
    const b = open(dir);
    assert.deepEqual([...b.pendingAfter(0n)].map((p) => p.seq), [kept]);
    assert.ok(fs.statSync(path.join(dir, 'wal', file)).size < full - 10, 'the torn tail is gone from the file');
    assert.ok(b.enqueue(events(1))! > kept, 'and the log goes on after it');
  });

  test('acknowledged batches leave, and so do log files with nothing left to send', () => {
    const dir = tempDir();
    const o = open(dir, { segmentBytes: 2000, memoryBytes: 1000 });
    const seqs = Array.from({ length: 12 }, () => o.enqueue(events(3))!);
    assert.ok(logFiles(dir).length > 2);
    assert.deepEqual(decode([...o.pendingAfter(seqs[0])][0].bytes).events.length, 3, 'read back from the log when no longer in memory');
    o.ackUpTo(seqs[10]);
    assert.deepEqual([...o.pendingAfter(0n)].map((b) => b.seq), [seqs[11]]);
    assert.equal(logFiles(dir).length, 1);
    assert.equal(o.stats.pendingEvents, 3);
    // The README's limit: the newest file is kept, acknowledged batches and all, until a newer one replaces it.
    o.ackUpTo(seqs[11]);
    assert.equal(o.stats.pending, 0);
    assert.equal(logFiles(dir).length, 1);
    assert.ok(o.stats.logBytes > 0, 'acknowledged batches stay on disk until their file is retired');
    assert.equal(fs.statSync(path.join(dir, 'wal', logFiles(dir)[0])).mode & 0o777, 0o600);
  });

  test('when the log is full: drops are counted and sent as one gap', () => {
    const o = open(tempDir(), { maxBytes: 3000 });
    let kept = 0n;
    while (o.stats.pendingBytes <= 3000) kept = o.enqueue(events(2))!;
    const dropped = [o.enqueue(events(10)), o.enqueue(events(10))];
    assert.deepEqual(dropped, [undefined, undefined]);
    const accounted = o.accounted();
    assert.equal(o.enqueue([], 5), undefined, 'a count alone (records kept in the sensor) waits for the next batch written');
    assert.equal(o.accounted(), accounted + 5n);
    assert.equal(o.stats.droppedBatches, 2, 'and drops no batch');
    assert.equal(o.stats.droppedEvents, 20);
    assert.equal(o.stats.refusedEvents, 0, 'dropped for a full log, not refused');
    o.ackUpTo(kept);
    const next = o.enqueue(events(1))!;
    const [gapBatch, eventsBatch] = [...o.pendingAfter(kept)];
    const gap = decode(gapBatch.bytes).gap!;
    assert.equal(BigInt(gap.first_seq), kept + 1n);
    assert.equal(BigInt(gap.last_seq), kept + 2n);
    assert.equal(gap.events, '20');
    assert.match(gap.reason, /outbox full/);
    assert.equal(eventsBatch.seq, next);
  });

  test('a batch the control plane refuses is replaced, in its place and under its seq, by a gap; so is it after a restart', () => {
    const dir = tempDir();
    const o = open(dir);
    const before = o.enqueue(events(1))!;
    const bad = o.enqueue(events(3))!;
    const after = o.enqueue(events(1))!;
    assert.equal(o.discard(bad, 'refused by the control plane: x'), true);
    assert.equal(o.discard(before - 1n, 'again'), false, 'only what is pending');
    assert.deepEqual([o.stats.droppedEvents, o.stats.refusedEvents], [3, 3], 'a refused batch is counted as refused (the grpc_refused stage of the metrics)');
    const check = (box: Outbox) => {
      const sent = [...box.pendingAfter(0n)];
      assert.deepEqual(sent.map((p) => p.seq), [before, bad, after]);
      const gap = decode(sent[1].bytes);
      assert.deepEqual([gap.seq, gap.events.length, gap.gap!.first_seq, gap.gap!.last_seq, gap.gap!.events, gap.gap!.reason], [String(bad), 0, String(bad), String(bad), '3', 'refused by the control plane: x']);
    };
    check(o);
    assert.equal(o.stats.pendingEvents, 2);
    check(open(dir));
  });

  test('a crash\'s loss is a batch of its own carrying the count', () => {
    const o = open(tempDir());
    o.recordLoss(17, 'sensor restarted after a crash');
    const [p] = [...o.pendingAfter(0n)];
    const b = decode(p.bytes);
    assert.deepEqual([b.gap!.first_seq, b.gap!.last_seq, b.gap!.events, b.gap!.reason], [String(p.seq), String(p.seq), '17', 'sensor restarted after a crash']);
  });
});
