import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import Database from 'better-sqlite3';
import { AlertStream } from '../../../../controlplane/src/alerts/alert-stream';
import { DetectionEngine } from '../../../../controlplane/src/detections/engine';
import { RuleSet } from '../../../../controlplane/src/detections/rule-set';
import type { HostRule } from '../../../../controlplane/src/detections/rule';
import { IngestPipeline } from '../../../../controlplane/src/ingest/pipeline';
import { dbPath, openStore } from '../../../../controlplane/src/store/db';
import { EventsRepo } from '../../../../controlplane/src/store/events-repo';
import { StoreWriter } from '../../../../controlplane/src/store/writer';
import { epochNow, seqOf } from '../../../../proto/batch-seq';
import { eventCodec } from '../../../../proto/loader';
import { execEvent } from '../../../helpers/synthetic-events';
import { tempDir } from '../../../helpers/temp-dir';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

describe('ingest pipeline memory', () => {
  test("a batch's decoded events can be collected while its commit waits: waiting callbacks keep what they report, not the events", async () => {
    const dataDir = tempDir();
    const db = openStore(dataDir);
    const writer = await StoreWriter.start({ dataDir });
    const judged: WeakRef<object>[] = [];
    const recorder: HostRule = {
      id: 'test-recorder',
      version: 1,
      title: 'records what it judged',
      description: 'test only',
      severity: 'SEVERITY_LOW',
      mitre: { id: 'T0000', name: 'none', tactic: 'none' },
      sources: ['exec'],
      match(ev) {
        judged.push(new WeakRef(ev));
        return null;
      },
    };
    const pipeline = new IngestPipeline(new EventsRepo(db), new DetectionEngine(RuleSet.build([recorder])), writer, new AlertStream());
    // Another connection holds the write lock, so the writer thread waits (its busy timeout is 5 s) and the commit stays pending.
    const blocker = new Database(dbPath(dataDir));
    blocker.exec('BEGIN IMMEDIATE');
    let committed = false;
    let done: Promise<unknown> | undefined;
    try {
      const seq = seqOf(epochNow(), 1n);
      done = pipeline
        .ingest('node-1', String(seq), Array.from({ length: 200 }, (_, i) => eventCodec().encode(execEvent({ pid: 1000 + i }))), null)
        .then((r) => {
          committed = true;
          return r;
        });
      assert.equal(judged.length, 200, 'the rule saw every event');
      // WeakRefs keep their targets until the current job ends.
      await new Promise((r) => setImmediate(r));
      gc();
      assert.equal(committed, false, 'the commit is still waiting for the lock');
      assert.equal(judged.filter((ref) => ref.deref() !== undefined).length, 0, 'no decoded event is kept alive by the pending commit');
      blocker.exec('COMMIT');
      assert.deepEqual(await done, { duplicate: false, alerts: 0 });
      assert.equal(pipeline.eventsStored, 200);
      assert.equal(pipeline.storedByType.get('node-1')?.get('exec'), 200);
    } finally {
      if (blocker.inTransaction) blocker.exec('COMMIT');
      blocker.close();
      await done?.catch(() => undefined);
      await writer.close();
      db.close();
    }
  });
});
