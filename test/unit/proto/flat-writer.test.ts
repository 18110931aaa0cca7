import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as protobuf from 'protobufjs';
import { FlatWriter, withFlatWriter } from '../../../proto/flat-writer';
import '../../../proto/fast-long';

type Op = [method: string, ...args: unknown[]];

/** The same calls on protobufjs's Writer and on a FlatWriter; both must give the same bytes. */
function both(ops: Op[], flat = new FlatWriter(16)): { library: string; flat: string } {
  const library = protobuf.Writer.create() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const mine = flat as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const [method, ...args] of ops) {
    library[method](...args);
    mine[method](...args);
  }
  return { library: Buffer.from((library as unknown as protobuf.Writer).finish()).toString('hex'), flat: flat.finish().toString('hex') };
}

function same(ops: Op[], what: string): void {
  const { library, flat } = both(ops);
  assert.equal(flat, library, what);
}

const Long = protobuf.util.Long as unknown as { fromBits(lo: number, hi: number, unsigned: boolean): object };

describe("FlatWriter writes protobufjs's Writer's bytes", () => {
  test('varints at every length boundary, negative and odd numbers included', () => {
    const edges = [0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1, 2 ** 32, -1, -128, -(2 ** 31), 2 ** 31 - 1, 1.5, -0.5, NaN];
    for (const v of edges) for (const m of ['uint32', 'int32', 'sint32', 'fixed32', 'sfixed32', 'bool', 'float', 'double']) same([[m, v]], `${m}(${v})`);
  });

  test('64-bit values as numbers, decimal text, bit halves and Longs', () => {
    const values: unknown[] = [0, 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53 + 2, 2 ** 64, -1, -(2 ** 40), 1.5, '0', '1700000000123456789', '18446744073709551615', '-5', { low: 5, high: 7 }, { low: -1, high: -1 }, Long.fromBits(1, 2, true), Long.fromBits(-1, -1, false)];
    for (const v of values) for (const m of ['uint64', 'int64', 'sint64', 'fixed64', 'sfixed64']) same([[m, v]], `${m}(${JSON.stringify(v)})`);
  });

  test('strings on both sides of protobufjs\'s short-string split, multi-byte, paired and unpaired surrogates', () => {
    const strings = ['', 'a', 'x'.repeat(39), 'x'.repeat(40), 'x'.repeat(41), 'é'.repeat(30), '日本語'.repeat(20), '😀'.repeat(19), '😀'.repeat(30), '\ud800', 'a\udc00b', `${'y'.repeat(50)}\ud800`, `\udfff${'z'.repeat(60)}`, 'ok\u0000nul'];
    for (const s of strings) same([['string', s]], `string ${JSON.stringify(s)}`);
  });

  test('bytes given as bytes, base64 text and array-likes', () => {
    const values: unknown[] = [new Uint8Array(0), Buffer.from('hello'), new Uint8Array(300).fill(9), 'aGVsbG8=', '', [1, 2, 300], { length: 3 }, { length: 0 }, 5];
    for (const v of values) same([['bytes', v]], `bytes ${JSON.stringify(v)}`);
  });

  test('sub-messages whose lengths cross every varint size, nested, ended in any order of sizes', () => {
    for (const n of [0, 1, 126, 127, 128, 129, 16382, 16383, 16384, 2 ** 21 - 1, 2 ** 21]) {
      // One string field of n bytes in all: tag (1 byte) + length + n.
      const body = (len: number): Op[] => [['uint32', 10], ['string', 'q'.repeat(Math.max(0, len))]];
      same([['uint32', 18], ['fork'], ...body(n), ['ldelim']], `one sub-message of about ${n} bytes`);
      same([['uint32', 18], ['fork'], ['uint32', 18], ['fork'], ...body(n - 3), ['ldelim'], ['uint32', 8], ['uint32', 1], ['ldelim']], `nested, outer crossing at about ${n}`);
    }
    same([['uint32', 18], ['fork'], ['ldelim'], ['uint32', 18], ['fork'], ['uint32', 26], ['fork'], ['ldelim'], ['ldelim']], 'empty sub-messages');
  });

  test('random sequences of every call, nested up to five deep', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const pick = <T,>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    for (let round = 0; round < 300; round++) {
      const ops: Op[] = [];
      let depth = 0;
      for (let i = 0; i < 5 + rnd() * 200; i++) {
        const r = rnd();
        if (r < 0.1 && depth < 5) {
          ops.push(['uint32', 18], ['fork']);
          depth++;
        } else if (r < 0.2 && depth > 0) {
          ops.push(['ldelim']);
          depth--;
        } else if (r < 0.4) ops.push(['string', 'é'.repeat(Math.floor(rnd() * 70)) + 'k'.repeat(Math.floor(rnd() * 300))]);
        else if (r < 0.5) ops.push(['bytes', Buffer.alloc(Math.floor(rnd() * 200), 7)]);
        else if (r < 0.7) ops.push([pick(['uint32', 'int32', 'sint32']), Math.floor((rnd() - 0.3) * 2 ** (rnd() * 33))]);
        else if (r < 0.9) ops.push([pick(['uint64', 'int64', 'sint64', 'fixed64']), String(Math.floor(rnd() * 1e6)) + String(Math.floor(rnd() * 1e12))]);
        else ops.push([pick(['double', 'float', 'bool', 'fixed32']), rnd() * 1e6]);
      }
      while (depth-- > 0) ops.push(['ldelim']);
      same(ops, `random sequence ${round}`);
    }
  });
});

describe('a FlatWriter reused', () => {
  test('grows past its first buffer and gives each message in a buffer of its own', () => {
    const w = new FlatWriter(8);
    const first = w.uint32(18).fork().string('a'.repeat(100_000)).ldelim().finish();
    const second = w.uint32(8).uint32(1).finish();
    // tag, the sub-message's length, the string's length, the string.
    assert.equal(first.length, 1 + 3 + 3 + 100_000);
    assert.equal(second.toString('hex'), '0801');
    assert.equal(first[7], 'a'.charCodeAt(0), 'the first message is not overwritten by the second');
  });

  test('raw appends bytes already encoded as they are', () => {
    const part = protobuf.Writer.create().uint32(18).string('part').finish();
    assert.equal(new FlatWriter().uint32(8).uint32(3).raw(part).finish().toString('hex'), Buffer.concat([Buffer.from('0803', 'hex'), part]).toString('hex'));
  });

  test('withFlatWriter: a write that throws leaves nothing behind for the next, and a write inside a write gets a writer of its own', () => {
    assert.throws(() =>
      withFlatWriter((w) => {
        w.uint32(18).fork().string('half');
        throw new Error('midway');
      }),
    /midway/);
    assert.equal(withFlatWriter((w) => w.uint32(8).uint32(7)).toString('hex'), '0807');
    let inner = '';
    const outer = withFlatWriter((w) => {
      w.uint32(8).uint32(1);
      inner = withFlatWriter((v) => v.uint32(16).uint32(2)).toString('hex');
      w.uint32(24).uint32(3);
    });
    assert.equal(inner, '1002');
    assert.equal(outer.toString('hex'), '08011803');
  });

  test('an unbalanced fork or ldelim is an error, not bytes', () => {
    assert.throws(() => new FlatWriter().ldelim(), /ldelim without fork/);
    assert.throws(() => new FlatWriter().fork().finish(), /finish inside a fork/);
  });
});
