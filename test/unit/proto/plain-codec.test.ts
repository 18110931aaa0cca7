import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import * as protobuf from 'protobufjs';
import { PlainCodecs } from '../../../proto/plain-codec';
import { PROTO_FILES, PROTO_LOADER_OPTIONS, PROTO_ROOT, eventCodec, sensorMessageCodec, sensorMessageEncodedCodec } from '../../../proto/loader';

/**
 * The library's own decoding (decode, then toObject with the loader's
 * options), from a root of its own: what every plain decode must equal,
 * key order included, and where it throws, the plain decode must throw.
 */
const root = (() => {
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_ROOT, target));
  return r.loadSync(PROTO_FILES, { keepCase: true }).resolveAll();
})();

function libraryDecode(type: protobuf.Type, bytes: Uint8Array): unknown {
  return type.toObject(type.decode(bytes), PROTO_LOADER_OPTIONS as protobuf.IConversionOptions);
}

function allTypes(ns: protobuf.NamespaceBase): protobuf.Type[] {
  const out: protobuf.Type[] = [];
  for (const n of ns.nestedArray) {
    if (n instanceof protobuf.Type) out.push(n);
    if (n instanceof protobuf.Namespace || n instanceof protobuf.Type) out.push(...allTypes(n));
  }
  return out;
}

const types = allTypes(root);

/** mulberry32: the same messages on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = ['', 'a', 'sh', 'héllo wörld', '日本語', '😀 emoji', '\u0000nul', '__proto__', 'constructor', '1', 'x'.repeat(300)];

function scalar(type: string, rnd: () => number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  switch (type) {
    case 'string':
      return pick(STRINGS);
    case 'bool':
      return rnd() < 0.5;
    case 'bytes':
      return Buffer.from(Array.from({ length: Math.floor(rnd() * 6) }, () => Math.floor(rnd() * 256)));
    case 'double':
    case 'float':
      return pick([0, -0, 1.5, -2.25, 1e300, Number.NaN, Number.POSITIVE_INFINITY, rnd() * 1e6]);
    case 'uint32':
    case 'fixed32':
      return pick([0, 1, 127, 128, 4294967295, Math.floor(rnd() * 4294967296)]);
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return pick([0, 1, -1, 2147483647, -2147483648, Math.floor(rnd() * 4294967296) - 2147483648]);
    case 'uint64':
    case 'fixed64':
      return pick(['0', '1', '9007199254740991', '9007199254740993', '18446744073709551615', String(Math.floor(rnd() * 2 ** 52))]);
    default:
      return pick(['0', '-1', '9007199254740993', '-9223372036854775808', '9223372036854775807', String(Math.floor(rnd() * 2 ** 52))]);
  }
}

/** A value of another kind than the field's, which fromObject converts (or refuses). */
function loose(type: string, rnd: () => number): unknown {
  const values: Record<string, unknown[]> = {
    string: [12, true, 1.5],
    bool: [0, 1, '', 'yes'],
    bytes: ['aGVsbG8=', ''],
    long: [0, 7, -3, 2 ** 60, 1.5],
    number: ['12', '-7', 1.5, -1.5, 2 ** 33, true],
  };
  const kind = type === 'string' || type === 'bool' || type === 'bytes' ? type : (protobuf.types.long as Record<string, number | undefined>)[type] !== undefined ? 'long' : 'number';
  const xs = values[kind];
  return xs[Math.floor(rnd() * xs.length)];
}

function value(f: protobuf.Field, rnd: () => number, depth: number): unknown {
  const one = (): unknown => {
    if (f.resolvedType instanceof protobuf.Type) return message(f.resolvedType, rnd, depth + 1);
    if (f.resolvedType instanceof protobuf.Enum) {
      const names = Object.keys(f.resolvedType.values);
      const name = names[Math.floor(rnd() * names.length)];
      const x = rnd();
      return x < 0.1 ? 77 : x < 0.15 ? 'NOT_A_NAME' : x < 0.2 ? String(f.resolvedType.values[name]) : x < 0.6 ? name : f.resolvedType.values[name];
    }
    if (rnd() < 0.05) return loose(f.type, rnd);
    return scalar(f.type, rnd);
  };
  if (f instanceof protobuf.MapField) {
    const map: Record<string, unknown> = {};
    for (let i = Math.floor(rnd() * 4); i > 0; i--) {
      const key = String(scalar(f.keyType, rnd));
      Object.defineProperty(map, key, { value: one(), enumerable: true, writable: true, configurable: true });
    }
    return map;
  }
  if (f.repeated) return Array.from({ length: Math.floor(rnd() * 4) }, one);
  return one();
}

function message(type: protobuf.Type, rnd: () => number, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (depth > 4) return out;
  for (const f of type.fieldsArray) if (!f.partOf && rnd() < 0.6) out[f.name] = value(f, rnd, depth);
  for (const o of type.oneofsArray) {
    if (rnd() < 0.3) continue;
    const f = o.fieldsArray[Math.floor(rnd() * o.fieldsArray.length)];
    out[f.name] = value(f, rnd, depth);
  }
  return out;
}

function encode(type: protobuf.Type, object: Record<string, unknown>): Uint8Array {
  return type.encode(type.fromObject(object)).finish();
}

/** Fields this type does not have, of every wire type, a group among them. */
function unknownFields(rnd: () => number): Uint8Array {
  const w = protobuf.Writer.create();
  const id = 1000 + Math.floor(rnd() * 1000);
  w.uint32((id << 3) | 0).uint64('12345678901234');
  w.uint32(((id + 1) << 3) | 1).fixed64(7);
  w.uint32(((id + 2) << 3) | 2).string('unknown');
  w.uint32(((id + 3) << 3) | 5).fixed32(9);
  w.uint32(((id + 4) << 3) | 3).uint32((1 << 3) | 0).uint32(5).uint32(((id + 4) << 3) | 4);
  return w.finish();
}

/** A tree of the object's own keys, in order: deepEqual does not look at order, and toObject's order is part of what it gives. */
function keyOrder(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(keyOrder);
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return typeof v;
  return Object.keys(v).map((k) => [k, keyOrder((v as Record<string, unknown>)[k])]);
}

function sameAsLibrary(decode: (bytes: Uint8Array) => unknown, type: protobuf.Type, bytes: Uint8Array, what: string): void {
  let expected: unknown;
  try {
    expected = libraryDecode(type, bytes);
  } catch (err) {
    // The same kind of error: RangeError for bytes cut short, Error for bytes that are no protobuf.
    assert.throws(() => decode(bytes), (e: Error) => e.constructor === (err as Error).constructor, `${type.fullName}, ${what}: the library refuses these bytes with a ${(err as Error).constructor.name}, the plain decoder did not`);
    return;
  }
  const actual = decode(bytes);
  assert.deepEqual(actual, expected, `${type.fullName}, ${what}`);
  assert.deepEqual(keyOrder(actual), keyOrder(expected), `${type.fullName}, ${what}: keys in another order`);
}

describe('decoding straight to plain objects gives what decode and toObject give', () => {
  const codecs = new PlainCodecs();

  test('random messages of every type of the contract, as Buffer and as Uint8Array', () => {
    assert.ok(types.length > 30, `the contract's types were found (${types.length})`);
    const rnd = random(1);
    for (const type of types) {
      const decode = codecs.decoder(type);
      for (let i = 0; i < 60; i++) {
        const bytes = Buffer.from(encode(type, message(type, rnd)));
        sameAsLibrary(decode, type, bytes, `message ${i}`);
        sameAsLibrary(decode, type, new Uint8Array(bytes), `message ${i} as a Uint8Array`);
      }
    }
  });

  test('unknown fields, two messages run together, two members of a oneof', () => {
    const rnd = random(2);
    for (const type of types) {
      const decode = codecs.decoder(type);
      for (let i = 0; i < 30; i++) {
        const a = message(type, rnd);
        const b = message(type, rnd);
        sameAsLibrary(decode, type, Buffer.concat([encode(type, a), unknownFields(rnd), encode(type, b)]), `merged with unknown fields ${i}`);
      }
      for (const o of type.oneofsArray) {
        const [first, last] = [o.fieldsArray[0], o.fieldsArray[o.fieldsArray.length - 1]];
        const both = [encode(type, { [last.name]: value(last, rnd, 0) }), encode(type, { [first.name]: value(first, rnd, 0) })];
        sameAsLibrary(decode, type, Buffer.concat(both), `oneof ${o.name}, its last member before its first`);
      }
    }
  });

  test('damaged bytes: cut at every length, bytes changed at random', () => {
    const rnd = random(3);
    for (const type of types) {
      const decode = codecs.decoder(type);
      for (let i = 0; i < 4; i++) {
        const bytes = Buffer.from(encode(type, message(type, rnd)));
        for (let cut = 0; cut < bytes.length; cut++) sameAsLibrary(decode, type, bytes.subarray(0, cut), `cut at ${cut}`);
        for (let j = 0; j < 40 && bytes.length; j++) {
          const damaged = Buffer.from(bytes);
          damaged[Math.floor(rnd() * damaged.length)] = Math.floor(rnd() * 256);
          sameAsLibrary(decode, type, damaged, `byte changed (${damaged.toString('hex')})`);
        }
      }
    }
  });

  test('64-bit values of every size, cut at every byte, alone and inside a sub-message, and varints too long', () => {
    const rnd = random(8);
    const file = root.lookupType('vigil.v1.ExecutedFile');
    const exec = root.lookupType('vigil.v1.Exec');
    const tag = (file.fields.inode.id << 3) | 0;
    const values = ['0', '127', '128', '4294967295', '4294967296', '9007199254740991', '9007199254740993', '18446744073709551615'];
    for (let i = 0; i < 300; i++) values.push(String((BigInt(Math.floor(rnd() * 2 ** 32)) << BigInt(Math.floor(rnd() * 33))) | BigInt(Math.floor(rnd() * 2 ** 32))));
    for (const v of values) {
      const whole = Buffer.from(protobuf.Writer.create().uint32(tag).uint64(v).finish());
      for (let cut = 1; cut <= whole.length; cut++) {
        const part = whole.subarray(0, cut);
        sameAsLibrary(codecs.decoder(file), file, part, `inode ${v} cut to ${cut} bytes`);
        // The same inside an Exec's binary, followed by more of the Exec, so that a short read would take a byte of it.
        const nested = Buffer.concat([protobuf.Writer.create().uint32((exec.fields.binary.id << 3) | 2).bytes(part).finish(), Buffer.from([0x18, 0x05, 0x30, 0x07])]);
        sameAsLibrary(codecs.decoder(exec), exec, nested, `binary.inode ${v} cut to ${cut} bytes, inside an Exec`);
      }
    }
    for (const bytes of [[0x10, ...Array(10).fill(0xff), 0x01], [0x10, ...Array(9).fill(0x80), 0x02], [0x10, ...Array(11).fill(0x80)]])
      sameAsLibrary(codecs.decoder(file), file, Buffer.from(bytes), `varint ${Buffer.from(bytes).toString('hex')}`);
  });

  test('a 64-bit value cut short at the end of a sub-message, which the Reader reads a byte past, is refused', () => {
    const event = root.lookupType('vigil.v1.Event');
    // container { cgroup_id: three continuation bytes }, then a byte the cut value swallows, then boot_ns = 5.
    const container = protobuf.Writer.create().uint32((event.fields.container.id << 3) | 2).bytes(Buffer.from([0x08, 0x80, 0x80, 0x80])).finish();
    const bytes = Buffer.concat([container, Buffer.from([0x00]), protobuf.Writer.create().uint32((event.fields.boot_ns.id << 3) | 0).uint64(5).finish()]);
    assert.throws(() => libraryDecode(event, bytes), /index out of range/);
    assert.throws(() => codecs.decoder(event)(bytes), /index out of range/);
    sameAsLibrary(eventCodec().decode, event, bytes, 'through the shared repeats');
  });

  test('a repeated message met deeper than where it was shared is held to the nesting limit there', () => {
    const event = root.lookupType('vigil.v1.Event');
    const message = root.lookupType('vigil.v1.SensorMessage');
    // A ProcessNode whose unknown groups nest 99 deep: within the limit under an Event, past it two levels further down.
    const w = protobuf.Writer.create().uint32((1 << 3) | 0).uint32(42);
    for (let i = 0; i < 99; i++) w.uint32((100 << 3) | 3);
    for (let i = 0; i < 99; i++) w.uint32((100 << 3) | 4);
    const ev = Buffer.from(protobuf.Writer.create().uint32((event.fields.ancestry.id << 3) | 2).bytes(w.finish()).finish());
    sameAsLibrary(eventCodec().decode, event, ev, 'the event');
    sameAsLibrary(eventCodec().decode, event, ev, 'the event again, its ancestor now shared');
    // Written by hand: protobufjs drops unknown fields when it decodes, so it cannot re-encode them.
    const eventsField = (message.fields.batch.resolvedType as protobuf.Type).fields.events;
    const inner = protobuf.Writer.create().uint32((eventsField.id << 3) | 2).bytes(ev).finish();
    const batch = Buffer.from(protobuf.Writer.create().uint32((message.fields.batch.id << 3) | 2).bytes(inner).finish());
    assert.throws(() => libraryDecode(message, batch), /depth/);
    assert.throws(() => sensorMessageCodec().decode(batch), /depth/);
  });

  test('the codecs the control plane decodes with, with their shared repeats, agree as well', () => {
    const rnd = random(4);
    const event = root.lookupType('vigil.v1.Event');
    const batch = root.lookupType('vigil.v1.SensorMessageEncoded');
    const events = Array.from({ length: 300 }, () => Buffer.from(encode(event, message(event, rnd))));
    // Twice: the second time the repeated parts come from the cache.
    for (const bytes of [...events, ...events]) sameAsLibrary(eventCodec().decode, event, bytes, 'an event');
    for (let i = 0; i < 100; i++) sameAsLibrary(sensorMessageEncodedCodec().decode, batch, Buffer.from(encode(batch, message(batch, rnd))), 'a sensor message');
  });

  test('a message nested past protobufjs\'s depth limit is refused, as the library refuses it', () => {
    const type = root.lookupType('vigil.v1.Event');
    // An unknown group nested 200 deep: skipping it recurses once per level.
    const w = protobuf.Writer.create();
    for (let i = 0; i < 200; i++) w.uint32((1000 << 3) | 3);
    for (let i = 0; i < 200; i++) w.uint32((1000 << 3) | 4);
    const bytes = w.finish();
    assert.throws(() => libraryDecode(type, bytes), /depth/);
    assert.throws(() => codecs.decoder(type)(bytes), /depth/);
  });
});

describe('encoding plain objects gives what fromObject and encode give', () => {
  const codecs = new PlainCodecs();

  function sameBytes(type: protobuf.Type, object: Record<string, unknown>, what: string): void {
    let expected: Uint8Array;
    try {
      expected = encode(type, object);
    } catch (err) {
      assert.throws(() => codecs.encoder(type)(object), (err as Error).constructor as new () => Error, `${type.fullName}, ${what}: the library refuses this object, the plain encoder took it`);
      return;
    }
    assert.deepEqual(Buffer.from(codecs.encoder(type)(object)).toString('hex'), Buffer.from(expected).toString('hex'), `${type.fullName}, ${what}`);
  }

  test('random objects of every type of the contract, values of other kinds among them', () => {
    const rnd = random(5);
    for (const type of types) for (let i = 0; i < 60; i++) sameBytes(type, message(type, rnd), `object ${i}`);
  });

  test('objects as the decoders give them: every field, defaults, enum names, 64-bit values as strings, the oneof\'s name', () => {
    const rnd = random(6);
    for (const type of types)
      for (let i = 0; i < 30; i++) sameBytes(type, libraryDecode(type, encode(type, message(type, rnd))) as Record<string, unknown>, `decoded ${i}`);
  });

  test('what fromObject refuses is refused, naming the field; what it leaves out is left out', () => {
    const event = root.lookupType('vigil.v1.Event');
    const refused: [Record<string, unknown>, string][] = [
      [{ process: 'pid 1' }, 'vigil.v1.Event.process: object expected'],
      [{ ancestry: { pid: 1 } }, 'vigil.v1.Event.ancestry: array expected'],
      [{ ancestry: ['x'] }, 'vigil.v1.Event.ancestry: object expected'],
      [{ container_started: { details: { labels: 'a=b' } } }, 'vigil.v1.ContainerDetails.labels: object expected'],
    ];
    for (const [bad, message] of refused) {
      assert.throws(() => encode(event, bad), TypeError);
      assert.throws(() => codecs.encoder(event)(bad), (err: Error) => err instanceof TypeError && err.message.includes(message), JSON.stringify(bad));
    }
    assert.throws(() => codecs.encoder(event)('event' as unknown as object), /vigil\.v1\.Event: object expected/);
    for (const falsy of [{ ancestry: '' }, { ancestry: 0 }, { container_started: { details: { labels: '' } } }, { process: undefined, container: null }])
      sameBytes(event, falsy, `left out: ${JSON.stringify(falsy)}`);
    // A list of bytes keeps what fromObject keeps: base64 text and anything with a length, at its index.
    const batch = root.lookupType('vigil.v1.EventBatchEncoded');
    for (const events of [[5], [true, {}], [{ length: -1 }], ['aGk=', Buffer.from([1])], [5, Buffer.from([1])], [null]])
      sameBytes(batch, { events }, `events ${JSON.stringify(events)}`);
    // A type without fields: fromObject takes anything, and so does its encoder.
    const empty = types.find((t) => t.fieldsArray.length === 0)!;
    assert.equal(Buffer.from(codecs.encoder(empty)(undefined as unknown as object)).length, 0);
  });

  test('64-bit values as decimals of every length, past 2^64, with leading zeros, and as numbers of every kind', () => {
    const rnd = random(9);
    const file = root.lookupType('vigil.v1.ExecutedFile');
    const values: unknown[] = ['0', '00', '007', '18446744073709551615', '18446744073709551616', '99999999999999999999', '00000000000000000001', '9007199254740993', '-1', '1e3', ' 1', '', 'x'];
    for (let digits = 1; digits <= 20; digits++)
      for (let i = 0; i < 20; i++) values.push(Array.from({ length: digits }, () => Math.floor(rnd() * 10)).join(''));
    values.push(0, 1, 2 ** 53 - 1, 2 ** 53, 2 ** 60, 2 ** 64, -1, -(2 ** 60), 1.5, -1.5, Number.NaN, Number.POSITIVE_INFINITY, true, { low: 5, high: 1 });
    for (const v of values) sameBytes(file, { inode: v }, `inode ${String(v)} (${typeof v})`);
  });

  test('the codecs the sensor encodes with agree as well', () => {
    const rnd = random(7);
    const event = root.lookupType('vigil.v1.Event');
    for (let i = 0; i < 200; i++) {
      const object = message(event, rnd);
      let expected: string | undefined;
      try {
        expected = Buffer.from(encode(event, object)).toString('hex');
      } catch {
        assert.throws(() => eventCodec().encode(object as never));
        continue;
      }
      assert.equal(Buffer.from(eventCodec().encode(object as never)).toString('hex'), expected);
    }
  });
});
