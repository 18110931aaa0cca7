/**
 * The flag parsers on anything a user could type: a value within its
 * bounds, or a usage error (InvalidArgumentError, exit 2) that says why;
 * never another exception, never NaN, never a value past the bound.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { MAX_TIMER_MS, durationUpTo, intUpTo, parseDuration, parseRingBytes, parseSize, parseTime } from '../../../proto/cli-values';

const RUNS = 5000;

/** Strings a user might type at a flag: arbitrary text, and text shaped like the grammar with its edges. */
const typed = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^\s?-?\d{0,20}(\.\d{0,3})?\s?(ms|s|m|h|d|w|K|M|G|T|KiB|MiB|GiB|TiB|B|iB|x)?\s?$/),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.integer({ min: 0, max: 3000 }).map(String),
);

function parsesOrRefuses(parse: (v: string) => number, ok: (n: number) => boolean, t: { diagnostic(m: string): void }, name: string): void {
  let accepted = 0;
  fc.assert(
    fc.property(typed, (v) => {
      let n: number;
      try {
        n = parse(v);
      } catch (err) {
        assert.ok(err instanceof InvalidArgumentError, `${name}(${JSON.stringify(v)}) threw ${(err as Error).name}: ${(err as Error).message}`);
        assert.ok((err as Error).message.length > 10);
        return;
      }
      accepted++;
      assert.ok(Number.isFinite(n) && ok(n), `${name}(${JSON.stringify(v)}) gave ${n}`);
    }),
    { numRuns: RUNS },
  );
  t.diagnostic(`${name}: ${RUNS} cases, ${accepted} accepted`);
}

describe('flag values', () => {
  test('durations: within a timer\'s reach, or a usage error', (t) => {
    parsesOrRefuses(parseDuration, (n) => n >= 1 && n <= MAX_TIMER_MS, t, 'parseDuration');
    parsesOrRefuses(durationUpTo(86_400_000, 1000), (n) => n >= 1000 && n <= 86_400_000, t, 'durationUpTo(1d, 1s)');
    assert.equal(parseDuration('90s'), 90_000);
    assert.throws(() => durationUpTo(86_400_000, 1000)('99999999d'), /out of range: between 1s and 1d/);
  });

  test('sizes: one grammar, bounded', (t) => {
    parsesOrRefuses(parseSize, (n) => n >= 1 && n <= 1024 ** 5, t, 'parseSize');
    parsesOrRefuses(parseRingBytes, (n) => n >= 4096 && n <= 1024 ** 3 && (n & (n - 1)) === 0, t, 'parseRingBytes');
    assert.deepEqual(['512MiB', '512M', '512MB', '536870912'].map(parseSize), Array(4).fill(512 * 1024 ** 2));
  });

  test('times: ISO 8601 or a duration ago, never a bare number', (t) => {
    parsesOrRefuses(parseTime, (n) => Math.abs(n) <= 8.64e15, t, 'parseTime');
    assert.throws(() => parseTime('1'), /is not a time/, 'a bare "1" was read as the year 2001');
    assert.equal(parseTime('2026-11-28T10:00:00Z'), Date.parse('2026-11-28T10:00:00Z'));
    assert.ok(Math.abs(parseTime('15m') - (Date.now() - 900_000)) < 1000);
  });

  test('counts: whole numbers within their bound', (t) => {
    parsesOrRefuses(intUpTo(1000), (n) => Number.isInteger(n) && n >= 1 && n <= 1000, t, 'intUpTo(1000)');
  });
});
