import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { bpfFileDescriptors } from '../../helpers/bpf-fds';
import { EventRecorder } from '../../helpers/event-recorder';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { KernelSensor } from '../../../sensor/src/kernel-sensor';
import { VigilError } from '../../../proto/errors';
import { run, uniqueToken } from '../../helpers/processes';
import { tempDir } from '../../helpers/temp-dir';

const FLOOD = 300;

describe('loss accounting and teardown', kernelTestOptions(), () => {
  test('a tiny ring buffer under a flood: drops are counted and reported in-band', async () => {
    const done = path.join(tempDir('vigil-flood-'), 'done');
    const sensor = KernelSensor.start({ types: ['exec', 'fork', 'exit'], ringBytes: 16384, flushMs: 10 });
    const execsOfFlood: number[] = [];
    let lossReported = 0;
    let blocked = false;
    const child = spawn('/bin/sh', ['-c', `i=0; while [ $i -lt ${FLOOD} ]; do /bin/true; i=$((i+1)); done; : > ${done}`], { stdio: 'ignore' });
    const shell = child.pid!;
    sensor.onBatch((batch) => {
      for (const ev of batch.events) {
        if (ev.body === 'loss' && ev.loss?.type === 'EVENT_TYPE_EXEC') lossReported += Number(ev.loss.ringbuf_full);
        if (ev.body === 'exec' && ev.process?.ppid === shell) execsOfFlood.push(ev.process.pid);
      }
      if (blocked) return;
      // Hold the JS thread while the flood runs: the drain thread blocks on
      // the bounded hand-off queue, the ring fills, the kernel must count.
      blocked = true;
      const deadline = Date.now() + 20_000;
      while (!fs.existsSync(done) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    });
    await new Promise((r) => child.once('close', r));
    await new Promise((r) => setTimeout(r, 300));
    const stats = await sensor.stop();
    assert.ok(stats.byType.exec.drops > 0, `expected exec drops with a 16 KiB ring, stats: ${JSON.stringify(stats)}`);
    assert.equal(lossReported, stats.byType.exec.drops, 'every exec drop was reported in-band as a Loss event');
    assert.ok(execsOfFlood.length + stats.byType.exec.drops >= FLOOD,
      `${execsOfFlood.length} flood execs seen + ${stats.byType.exec.drops} dropped < ${FLOOD} generated: a loss went uncounted`);
    assert.ok(execsOfFlood.length < FLOOD);
  });

  test('stop() detaches every program and frees every map', async () => {
    const before = bpfFileDescriptors();
    const rec = new EventRecorder();
    assert.ok(bpfFileDescriptors().length > before.length, 'a running sensor holds BPF fds');
    const stats = await rec.stop();
    assert.deepEqual(bpfFileDescriptors(), before, 'BPF program, map, link or perf fds left open after stop()');
    assert.equal(typeof stats.events, 'number');
  });

  test('the async iterator yields decoded batches and ends after stop()', async () => {
    const sensor = KernelSensor.start({ types: ['exec'], flushMs: 10 });
    const token = uniqueToken();
    let found: number | undefined;
    const reading = (async () => {
      for await (const batch of sensor) {
        const ev = batch.events.find((e) => e.exec?.argv.includes(token));
        if (ev) found = ev.process?.pid;
      }
    })();
    const child = await run('/bin/true', [token]);
    for (let i = 0; i < 200 && found === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    await sensor.stop();
    await reading; // the loop must end on its own once the sensor stopped
    assert.equal(found, child.pid);
  });

  test('bad options are refused with a clear error before anything loads', () => {
    assert.throws(() => KernelSensor.start({ ringBytes: 5000 }), (e: unknown) => e instanceof VigilError && e.code === 'INVALID_ARGUMENT' && /power of two/.test(e.message));
    assert.throws(() => KernelSensor.start({ types: [] }), /at least one event type/);
  });
});
