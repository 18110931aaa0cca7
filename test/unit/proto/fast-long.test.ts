import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import Long from 'long';
import '../../../proto/fast-long';
import { eventCodec } from '../../../proto/loader';

describe('64-bit fields to decimal', () => {
  test('the same digits as BigInt for every 64-bit value, signed and unsigned, at the edges and at random', () => {
    const edges = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
    const check = (v: bigint) => {
      const l = Long.fromString(v.toString(), true);
      assert.equal(l.toString(), v.toString());
      const s = Long.fromString(BigInt.asIntN(64, v).toString(), false);
      assert.equal(s.toString(), BigInt.asIntN(64, v).toString());
      assert.equal(l.toString(16), v.toString(16), 'other radixes keep the original');
    };
    edges.forEach(check);
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), check), { numRuns: 2000 });
  });

  test('decimal strings become the same 64 bits as long\'s own parse, signed and unsigned, negative and past 64 bits included', () => {
    const original = (text: string, unsigned: boolean) => Long.fromString(text, unsigned);
    const check = (text: string) => {
      for (const unsigned of [true, false]) {
        const fast = Long.fromValue(text, unsigned);
        const slow = original(text, unsigned);
        assert.deepEqual([fast.low, fast.high, fast.unsigned], [slow.low, slow.high, slow.unsigned], `${text} (${unsigned ? 'unsigned' : 'signed'})`);
      }
    };
    const edges = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n, 10n ** 20n - 1n];
    for (const v of edges) [v, -v].forEach((x) => check(x.toString()));
    check('007');
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 20n) + 1n, max: 10n ** 20n - 1n }), (v) => check(v.toString())), { numRuns: 2000 });
  });

  test('an event\'s times survive a round trip exactly', () => {
    const ev = { body: 'exit', boot_ns: '18446744073709551615', time_unix_nano: '1796206578940123457', process: { pid: 1 }, exit: { status: 0, code: 0, signal: 0 } } as const;
    const back = eventCodec().decode(eventCodec().encode(ev as never));
    assert.equal(back.boot_ns, '18446744073709551615');
    assert.equal(back.time_unix_nano, '1796206578940123457');
  });
});
