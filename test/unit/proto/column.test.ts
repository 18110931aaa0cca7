import assert from 'node:assert/strict';
import { test } from 'node:test';
import { column } from '../../../proto/format/column';

test('a cell is padded to its column, and a longer name is cut with a marker, keeping the column width', () => {
  assert.equal(column('node-7', 12), 'node-7      ');
  assert.equal(column('exactly-12ch', 12), 'exactly-12ch');
  const cut = column('kube-system/coredns-5d78c9869d-abcde', 32);
  assert.equal(cut, 'kube-system/coredns-5d78c9869d-…');
  assert.equal(cut.length, 32);
});
