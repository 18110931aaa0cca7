import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Outbox } from '../../../sensor/src/outbox';
import { execEvent } from '../../helpers/synthetic-events';
import { tempDir } from '../../helpers/temp-dir';

const events = (n: number) => Array.from({ length: n }, (_, i) => execEvent({ pid: i + 1 }));

describe('Outbox', () => {
  test('seqs grow strictly within a run and across restarts', () => {
    const dir = tempDir();
    const a = new Outbox({ dir });
    const s1 = a.enqueue(events(1))!;
    const s2 = a.enqueue(events(1))!;
    assert.equal(s2, s1 + 1n);
    const b = new Outbox({ dir });
    assert.ok(b.enqueue(events(1))! > s2, 'a restarted outbox numbers above the previous run');
  });

  test('acknowledged batches leave; pendingAfter resumes after a committed seq', () => {
    const o = new Outbox({ dir: tempDir() });
    const seqs = [1, 2, 3].map(() => o.enqueue(events(2))!);
    o.ackUpTo(seqs[0]);
    assert.deepEqual([...o.pendingAfter(0n)].map((b) => b.seq), seqs.slice(1));
    assert.deepEqual([...o.pendingAfter(seqs[1])].map((b) => b.seq), [seqs[2]]);
    assert.equal(o.stats.pendingEvents, 4);
  });

  test('beyond the memory cap batches spill to disk and read back intact', () => {
    const dir = tempDir();
    const o = new Outbox({ dir, memoryEvents: 3 });
    const inMem = o.enqueue(events(3))!;
    const spilled = o.enqueue(events(2))!;
    assert.equal(o.stats.spilledBatches, 1);
    const pending = [...o.pendingAfter(inMem)];
    assert.deepEqual(o.body(pending[0]).events.map((e) => e.process?.pid), [1, 2]);
    // A new run finds the spilled batch still waiting.
    const again = new Outbox({ dir });
    assert.deepEqual([...again.pendingAfter(0n)].map((b) => b.seq), [spilled]);
    o.ackUpTo(spilled);
    assert.equal(o.stats.spilledBatches, 0);
  });

  test('when memory and spill are full: drops are counted and sent as one gap', () => {
    const o = new Outbox({ dir: tempDir(), memoryEvents: 2, spillBytes: 5000 });
    const kept = o.enqueue(events(2))!;
    const dropped = [o.enqueue(events(10)), o.enqueue(events(10))];
    assert.deepEqual(dropped, [undefined, undefined]);
    assert.equal(o.stats.droppedBatches, 2);
    assert.equal(o.stats.droppedEvents, 20);
    o.ackUpTo(kept);
    const next = o.enqueue(events(1))!;
    const [gapBatch, eventsBatch] = [...o.pendingAfter(kept)];
    const gap = o.body(gapBatch).gap!;
    assert.equal(BigInt(String(gap.first_seq)), kept + 1n);
    assert.equal(BigInt(String(gap.last_seq)), kept + 2n);
    assert.equal(gap.events, '20');
    assert.match(gap.reason ?? '', /outbox full/);
    assert.equal(eventsBatch.seq, next);
    assert.ok(gapBatch.seq > BigInt(String(gap.last_seq)) && gapBatch.seq < next);
  });

  test('a refused batch is discarded and reported as a gap', () => {
    const o = new Outbox({ dir: tempDir() });
    const bad = o.enqueue(events(3))!;
    assert.equal(o.discardOldest('refused by the control plane: x'), bad);
    o.enqueue(events(1));
    const [gapBatch] = [...o.pendingAfter(0n)];
    assert.equal(o.body(gapBatch).gap?.first_seq, String(bad));
    assert.equal(o.body(gapBatch).gap?.events, '3');
  });
});
