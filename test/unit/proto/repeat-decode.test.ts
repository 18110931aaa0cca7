import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import * as protobuf from 'protobufjs';
import { fieldLimitProblem } from '../../../proto/field-limits';
import { PROTO_FILES, PROTO_LOADER_OPTIONS, PROTO_ROOT, eventCodec } from '../../../proto/loader';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import { connectEvent, execEvent } from '../../helpers/synthetic-events';

/** The contract decoded by a root of its own, without the cache: what every decode must equal. */
const plainEvent = (() => {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_ROOT, target));
  root.loadSync(PROTO_FILES, { keepCase: true }).resolveAll();
  const type = root.lookupType('vigil.v1.Event');
  return (bytes: Uint8Array) => type.toObject(type.decode(bytes), PROTO_LOADER_OPTIONS as protobuf.IConversionOptions) as Event__Output;
})();

const shell = { pid: 10, exe: '/usr/bin/bash', argv: ['bash', '-c', 'run'], comm: 'bash' };
const init = { pid: 1, exe: '/sbin/init', argv: ['/sbin/init'], comm: 'init' };

describe('sub-messages that repeat decode once', () => {
  test('events sharing a process, a container and ancestors decode as a decoder without the cache does', () => {
    const events = [
      execEvent({ pid: 20, ppid: 10, argv: ['/bin/true', 'a'], ancestry: [shell, init] }),
      execEvent({ pid: 20, ppid: 10, argv: ['/bin/true', 'a'], ancestry: [shell, init] }),
      execEvent({ pid: 21, ppid: 10, argv: ['/bin/true', 'b'], ancestry: [{ ...shell, argv: ['bash', '-c', 'other'] }, init] }),
      connectEvent('10.0.0.1', 443, { pid: 20 }),
      connectEvent('10.0.0.1', 443, { pid: 20, containerId: 'c'.repeat(64) }),
    ];
    for (const ev of [...events, ...events]) {
      const bytes = Buffer.from(eventCodec().encode(ev));
      assert.deepEqual(eventCodec().decode(bytes), plainEvent(bytes));
    }
  });

  test('ancestors that differ in one byte only, anywhere in a long command line, each decode as their own', () => {
    // The cache finds a repeat by a hash of some of a message's bytes; messages
    // that differ only where it does not look must still be told apart.
    const line = 'x'.repeat(1500);
    const variants = [line, ...Array.from({ length: line.length }, (_, i) => `${line.slice(0, i)}y${line.slice(i + 1)}`)];
    for (let round = 0; round < 2; round++)
      for (const v of variants) {
        const bytes = Buffer.from(eventCodec().encode(execEvent({ pid: 40, ppid: 10, ancestry: [{ ...shell, argv: ['bash', '-c', v] }, init] })));
        assert.equal(eventCodec().decode(bytes).ancestry[0].argv[2], v);
      }
  });

  test('messages made to hash alike are kept a few at most: a lookup never walks a long chain of them', () => {
    // Short enough that every variant fits the cache; most differ where the hash does not look.
    const line = 'z'.repeat(120);
    const variants = Array.from({ length: line.length }, (_, i) => `${line.slice(0, i)}y${line.slice(i + 1)}`);
    const encoded = variants.map((v) => Buffer.from(eventCodec().encode(execEvent({ pid: 41, ppid: 10, ancestry: [{ ...shell, argv: ['bash', '-c', v] }] }))));
    for (let round = 0; round < 2; round++) for (const bytes of encoded) eventCodec().decode(bytes);
    // The same event with an ancestor of its own: the comparisons its other repeated parts cost.
    const plain = Buffer.from(eventCodec().encode(execEvent({ pid: 41, ppid: 10, ancestry: [shell] })));
    for (let round = 0; round < 3; round++) eventCodec().decode(plain);
    const compare = Buffer.prototype.compare;
    let calls = 0;
    let most = 0;
    Buffer.prototype.compare = function (this: Buffer, ...args: Parameters<Buffer['compare']>) {
      calls++;
      return compare.apply(this, args);
    };
    let others: number;
    try {
      eventCodec().decode(plain);
      others = calls;
      for (const [i, bytes] of encoded.entries()) {
        calls = 0;
        assert.equal(eventCodec().decode(bytes).ancestry[0].argv[2], variants[i]);
        most = Math.max(most, calls - others);
      }
    } finally {
      Buffer.prototype.compare = compare;
    }
    assert.ok(most <= 8, `one event's ancestor compared ${most} kept messages`);
  });

  test('commands that differ in one character of an argument are each shared: none is left out as hashing alike', () => {
    // A probe per service: the same program and options, a URL that differs in one place.
    const encoded = Array.from({ length: 50 }, (_, i) => Buffer.from(eventCodec().encode(execEvent({ pid: 500 + i, filename: '/usr/bin/curl', argv: ['curl', '-s', `http://svc-${String(i).padStart(2, '0')}.local/health`] }))));
    for (let round = 0; round < 3; round++) for (const bytes of encoded) eventCodec().decode(bytes);
    const unshared = encoded.filter((bytes) => !Object.isFrozen(eventCodec().decode(bytes).exec));
    assert.equal(unshared.length, 0, `${unshared.length} of 50 commands decoded anew on every run`);
  });

  test('what repeats is one frozen object shared by the events that carry it; what is their own is theirs to change', () => {
    const bytes = Buffer.from(eventCodec().encode(execEvent({ pid: 30, ancestry: [shell, init] })));
    const first = eventCodec().decode(bytes);
    eventCodec().decode(bytes);
    const second = eventCodec().decode(bytes);
    assert.equal(second.ancestry[0], eventCodec().decode(bytes).ancestry[0], 'a repeated ancestor is shared');
    for (const change of [
      () => second.process!.argv.push('changed'),
      () => ((second.container as { id: string }).id = 'changed'),
      () => (second.ancestry[0].argv[0] = 'changed'),
      () => ((second.exec!.binary as { name: string }).name = 'changed'),
      () => second.exec!.argv.push('changed'),
      () => ((second.namespaces as { mnt: number }).mnt = 0),
    ])
      assert.throws(change, TypeError);
    first.process!.argv.push('changed');
    second.ancestry.pop();
    assert.deepEqual(eventCodec().decode(bytes), plainEvent(bytes));
  });

  test('a message seen twice only (an exec and its exit carry one process) is decoded as its own both times', () => {
    const exec = execEvent({ pid: 33, argv: ['/bin/true', 'twice'] });
    const bytes = [exec, { ...exec, body: 'exit' as const, exec: null, exit: { status: 0, code: 0, signal: 0 } }].map((ev) => Buffer.from(eventCodec().encode(ev)));
    const [a, b] = bytes.map((e) => eventCodec().decode(e).process!);
    assert.ok(!Object.isFrozen(a) && !Object.isFrozen(b) && a !== b, 'neither sighting is shared');
    assert.ok(Object.isFrozen(eventCodec().decode(bytes[0]).process), 'a third sighting is');
  });

  test("a connect's destination is shared from its third sighting, and each connect keeps its own result", () => {
    const bytes = Buffer.from(eventCodec().encode(connectEvent('10.0.0.9', 443, { pid: 32 })));
    eventCodec().decode(bytes);
    const [a, b] = [eventCodec().decode(bytes), eventCodec().decode(bytes)];
    assert.equal(eventCodec().decode(bytes).connect!.destination, b.connect!.destination);
    assert.throws(() => ((b.connect!.destination as { port: number }).port = 80), TypeError);
    a.connect!.result = -111;
    assert.deepEqual(eventCodec().decode(bytes), plainEvent(bytes));
  });

  test('a shared object over a field limit is refused in every event that carries it', () => {
    const bytes = Buffer.from(eventCodec().encode(execEvent({ pid: 31, ancestry: [{ ...shell, argv: ['bash', 'x'.repeat(5000)] }] })));
    for (let i = 0; i < 3; i++) assert.match(fieldLimitProblem('vigil.v1.Event', eventCodec().decode(bytes), bytes.length) ?? '', /^ancestry\[0\]\.argv\[1\] is 5000 characters/);
  });

  test('a sub-message cut short is refused as before, also when its first bytes were seen', () => {
    const bytes = Buffer.from(eventCodec().encode(connectEvent('10.0.0.1', 443, { pid: 40 })));
    eventCodec().decode(bytes);
    for (const cut of [bytes.length - 1, Math.floor(bytes.length / 2), 20])
      assert.throws(() => eventCodec().decode(bytes.subarray(0, cut)), /index out of range|invalid wire type|illegal/i, `cut at ${cut} of ${bytes.length}`);
  });

  test('past the bound of bytes kept, with command lines of 100 KiB, decodes stay right', () => {
    for (let i = 0; i < 30; i++) {
      const bytes = Buffer.from(eventCodec().encode(execEvent({ pid: 60_000 + i, argv: ['/bin/sh', '-c', String(i).repeat(100_000)], ancestry: [shell, init] })));
      assert.deepEqual(eventCodec().decode(bytes), plainEvent(bytes));
    }
  });

  test('a flood of messages seen once (each exec its own process) does not push out what repeats', () => {
    const repeated = Buffer.from(eventCodec().encode(connectEvent('10.0.0.7', 443, { pid: 70 })));
    eventCodec().decode(repeated);
    eventCodec().decode(repeated);
    const shared = eventCodec().decode(repeated).process;
    assert.ok(Object.isFrozen(shared));
    // Several times more distinct processes than the cache keeps messages (2,048), and than it notes as seen before.
    for (let pid = 100_000; pid < 110_000; pid++) eventCodec().decode(Buffer.from(eventCodec().encode(execEvent({ pid, argv: ['/bin/true', String(pid)] }))));
    assert.equal(eventCodec().decode(repeated).process, shared, 'still the one shared object');
  });

  test('past the bound of messages kept, decodes stay right', () => {
    for (let pid = 1; pid <= 5000; pid++) {
      const bytes = Buffer.from(eventCodec().encode(connectEvent('10.0.0.1', 443, { pid: 50_000 + pid })));
      const decoded = eventCodec().decode(bytes);
      if (pid % 1000 === 0) assert.deepEqual(decoded, plainEvent(bytes));
    }
  });
});
