import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventCodec, sensorMessageCodec, sensorMessageEncodedCodec } from '../../../proto/loader';
import { encodeBatchMessage, encodeEvent, keptEncodings } from '../../../sensor/src/event-encoding';
import { connectEvent, execEvent, fileEvent } from '../../helpers/synthetic-events';

describe('a batch encoded in one pass', () => {
  const shell = { pid: 10, exe: '/usr/bin/bash', argv: ['bash', '-c', 'x'.repeat(3000)], comm: 'bash' };
  const init = { pid: 1, exe: '/sbin/init', argv: ['/sbin/init'], comm: 'init' };
  const events = [
    execEvent({ pid: 20, ppid: 10, argv: ['/bin/true', 'a'], ancestry: [shell, init] }),
    fileEvent({ path: '/etc/shadow' }, { pid: 21 }),
    // The same ancestor objects again: written from their cached bytes.
    execEvent({ pid: 22, ppid: 10, ancestry: [shell, init] }),
  ];
  const gap = { first_seq: '5', last_seq: '6', events: '3', reason: 'test', from_unix_nano: '0', to_unix_nano: '0' };

  test('reads back as the same SensorMessage, field for field, ancestors in order', () => {
    const expected = events.map((ev) => eventCodec().decode(eventCodec().encode(ev)));
    const batch = sensorMessageCodec().decode(encodeBatchMessage('node-1', 7n, events, gap)).batch!;
    assert.equal(batch.node_name, 'node-1');
    assert.equal(batch.seq, '7');
    assert.deepEqual(batch.gap, gap);
    assert.deepEqual(batch.events, expected);
    assert.deepEqual(batch.events[2].ancestry.map((a) => a.pid), [10, 1]);
  });

  test('each event is, on its own, the bytes of one Event (what the store keeps)', () => {
    const encoded = sensorMessageEncodedCodec().decode(encodeBatchMessage('node-1', 7n, events, null)).batch!;
    assert.equal(encoded.events.length, 3);
    assert.deepEqual(encoded.events.map((b) => eventCodec().decode(b).process?.pid), [20, 21, 22]);
    assert.equal(eventCodec().decode(encoded.events[0]).ancestry[0].argv[2].length, 3000);
  });

  test('leaves the events as they were, ancestry included', () => {
    const before = structuredClone(events);
    encodeBatchMessage('node-1', 8n, events, null);
    assert.deepEqual(events, before);
    assert.equal(events[0].ancestry[0], shell, 'the same ancestor object, not a copy');
  });
});

describe('a process and a container that repeat from event to event', () => {
  const decoded = (ev: Parameters<typeof encodeEvent>[0]) => eventCodec().decode(encodeEvent(ev));
  const canonical = (ev: Parameters<typeof encodeEvent>[0]) => eventCodec().decode(eventCodec().encode(ev));

  test('every event reads back as itself, whichever of its fields changed since the last under the same thread and cgroup', () => {
    const first = connectEvent('10.0.0.1', 443, { pid: 300 });
    assert.deepEqual(decoded(first), canonical(first));
    const variants = [
      connectEvent('10.0.0.1', 80, { pid: 300 }), // only the body differs
      { ...first, process: { ...first.process!, argv: [...first.process!.argv, 'more'] } },
      { ...first, process: { ...first.process!, uid: 1000 } },
      { ...first, process: { ...first.process!, comm: 'renamed' } },
      { ...first, container: { ...first.container!, name: 'web', image: 'nginx:1.27', pod_name: 'web-0', pod_namespace: 'prod' } },
      { ...first, container: { ...first.container!, metadata_incomplete: true } },
      first,
    ];
    for (const ev of variants) assert.deepEqual(decoded(ev), canonical(ev));
  });

  test('a thread that connects, execs a new program and connects again reads back as itself each time', () => {
    const before = connectEvent('10.0.0.1', 443, { pid: 302, argv: ['/bin/sh', 'old'] });
    const exec = execEvent({ pid: 302, ppid: 1, argv: ['/usr/bin/curl', 'new'] });
    const after = connectEvent('10.0.0.1', 443, { pid: 302, argv: ['/usr/bin/curl', 'new'] });
    for (const ev of [before, exec, after, exec, before]) assert.deepEqual(decoded(ev), canonical(ev));
  });

  test("an exec's process is encoded but not kept (no event before carried it); the same process's connect keeps it", () => {
    const kept = () => keptEncodings().process;
    const before = kept();
    const execs = [400, 401, 402].map((pid) => execEvent({ pid, ppid: 1, argv: ['/bin/true'] }));
    for (const ev of execs) assert.deepEqual(decoded(ev), canonical(ev));
    assert.equal(kept(), before, 'execs alone keep nothing');
    for (const pid of [400, 401, 402]) encodeEvent(connectEvent('10.0.0.1', 443, { pid, argv: ['/bin/true'] }));
    assert.equal(kept(), before + 3, "each process's connect keeps it");
  });

  test('an object changed in place after it was encoded is encoded again, not read from the bytes of before', () => {
    const ev = connectEvent('10.0.0.1', 443, { pid: 301 });
    encodeEvent(ev);
    ev.process!.argv.push('--changed');
    ev.container!.image = 'changed:1';
    const back = decoded(ev);
    assert.deepEqual(back.process?.argv.at(-1), '--changed');
    assert.equal(back.container?.image, 'changed:1');
  });

  test('past the bound of bytes kept, with command lines of 100 KiB, events still read back as themselves', () => {
    for (let i = 0; i < 30; i++) {
      const ev = connectEvent('10.0.0.1', 443, { pid: 20_000 + i, argv: ['/bin/sh', '-c', String(i).repeat(100_000)] });
      assert.deepEqual(decoded(ev), canonical(ev));
    }
  });

  test('past the bound of threads kept, events still read back as themselves', () => {
    for (let pid = 1; pid <= 5000; pid += 1) {
      const ev = connectEvent('10.0.0.1', pid, { pid: 10_000 + pid });
      if (pid % 997 === 0) assert.deepEqual(decoded(ev), canonical(ev));
      else encodeEvent(ev);
    }
    const again = connectEvent('10.0.0.1', 1, { pid: 10_001 });
    assert.deepEqual(decoded(again), canonical(again));
  });
});
