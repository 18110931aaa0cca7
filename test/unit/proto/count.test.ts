import assert from 'node:assert/strict';
import { test } from 'node:test';
import { count } from '../../../proto/format/count';

test('count gives the noun in the singular for one only', () => {
  assert.deepEqual([0, 1, 2].map((n) => count(n, 'feed')), ['0 feeds', '1 feed', '2 feeds']);
  assert.equal(count(1, 'watched path'), '1 watched path');
  assert.equal(count(3, 'entry', 'entries'), '3 entries');
});
