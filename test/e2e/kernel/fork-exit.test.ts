import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawn } from 'node:child_process';
import { EventRecorder } from '../../helpers/event-recorder';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { run, uniqueToken } from '../../helpers/processes';
import { eventually } from '../../helpers/eventually';
import { NodePipeline } from '../../../sensor/src/node-pipeline';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';

describe('fork and exit events from the kernel', kernelTestOptions(), () => {
  let rec: EventRecorder;
  before(() => (rec = new EventRecorder({ types: ['fork', 'exit'] })));
  after(() => rec.stop());

  test('fork names parent and child; exit carries the exit code', async () => {
    const child = await run('/bin/sh', ['-c', 'exit 7']);
    assert.equal(child.code, 7);
    const fork = await rec.waitFor('fork', (e) => e.body === 'fork' && e.fork?.child_pid === child.pid);
    assert.equal(fork.process?.pid, process.pid, 'the fork event describes the parent');
    const exit = await rec.waitFor('exit', (e) => e.body === 'exit' && e.process?.pid === child.pid);
    assert.equal(exit.exit?.code, 7);
    assert.equal(exit.exit?.signal, 0);
    assert.equal(exit.exit?.status, 7 << 8);
    assert.equal(exit.process?.ppid, process.pid);
  });

  test('a killed process exits with its signal', async () => {
    const child = spawn('/bin/sleep', ['30']);
    await new Promise((r) => child.once('spawn', r));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    const exit = await rec.waitFor('exit', (e) => e.body === 'exit' && e.process?.pid === child.pid);
    assert.equal(exit.exit?.signal, 9);
    assert.equal(exit.exit?.code, 0);
  });

  test('threads are not processes: one exit per process, none per thread', async () => {
    // node runs several threads; its exit must be reported exactly once.
    const child = await run(process.execPath, ['-e', 'setTimeout(() => process.exit(5), 50)']);
    assert.equal(child.code, 5);
    await rec.waitFor('exit', (e) => e.body === 'exit' && e.process?.pid === child.pid);
    await rec.settle();
    const exits = rec.events.filter((e) => e.body === 'exit' && e.process?.pid === child.pid);
    assert.equal(exits.length, 1);
    assert.equal(exits[0].exit?.code, 5);
    const forks = rec.events.filter((e) => e.body === 'fork' && e.process?.pid === child.pid);
    assert.equal(forks.length, 0, 'thread creation is not a fork');
  });

  test('every record decoded', () => assert.deepEqual(rec.errors, []));
});

describe('fork and exit kept in the sensor (no --forward)', kernelTestOptions(), () => {
  test('they keep the process tree, reach no sink, are counted, and every record read is accounted for by stop', async () => {
    const sunk: Event__Output[] = [];
    let accounted = 0;
    const pipeline = new NodePipeline({ kernel: { flushMs: 10, types: ['exec', 'fork', 'exit'] }, criSocket: '/nonexistent', log: () => undefined, sink: (evs, n) => (sunk.push(...evs), (accounted += n)) });
    let stopped = false;
    try {
      const token = uniqueToken('kept');
      // The shell's own exec, then, once told, only a fork and exits: the last batches hold kept records alone.
      const shell = spawn('/bin/sh', ['-c', `/bin/true ${token}; read line; (exit 3); exit 0`], { stdio: ['pipe', 'ignore', 'ignore'] });
      const exec = await eventually('the exec of /bin/true', async () => sunk.find((e) => e.exec?.argv.includes(token)));
      assert.equal(exec.ancestry[0]?.pid, shell.pid, 'its parent, learnt from the fork, rides on the exec');
      shell.stdin!.end('go\n');
      await new Promise((r) => shell.once('close', r));
      // With nothing else to carry them, the kept records' count reaches the sink on its own within a second.
      await eventually('every record delivered accounted for, before any stop', async () => (accounted === pipeline.kernel.stats().delivered ? true : undefined), 5000);
      const stats = await pipeline.stop();
      stopped = true;
      assert.deepEqual(sunk.filter((e) => e.body === 'fork' || e.body === 'exit'), []);
      assert.ok((pipeline.keptBack.get('exit') ?? 0) >= 3 && (pipeline.keptBack.get('fork') ?? 0) >= 2, JSON.stringify([...pipeline.keptBack]));
      assert.equal(accounted, stats.delivered, 'what the kernel delivered is accounted for, kept records included');
    } finally {
      if (!stopped) await pipeline.stop();
    }
  });
});
