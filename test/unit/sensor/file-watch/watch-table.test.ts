import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { recordLayout } from '../../../../native';
import { RESOLVE_PREFIXES, WatchTables, compileWatchTable, type WatchEntry } from '../../../../sensor/src/file-watch/watch-table';
import { DEFAULT_WATCHED_PATHS, WATCH_CATEGORY, type WatchedPath } from '../../../../proto/watched-paths';

const layout = recordLayout();
const w = layout.watch;

/** Reads a compiled table back: the bitmap, and every key with its value. */
function decompile(buf: Buffer): { pairs: Buffer; keys: WatchEntry[] } {
  const bitmapBytes = w.pairWords * 8;
  const pair = w.key.size + w.value.size;
  assert.equal((buf.length - bitmapBytes) % pair, 0);
  const keys: WatchEntry[] = [];
  for (let off = bitmapBytes; off < buf.length; off += pair) {
    const bits = buf.readUInt32LE(off + w.key.prefixlen);
    const len = bits / 8 - 2;
    const v = off + w.key.size;
    keys.push({
      table: buf.readUInt8(off + w.key.table),
      path: buf.toString('utf8', off + w.key.path, off + w.key.path + len),
      entry: buf.readUInt16LE(v + w.value.entry),
      kind: buf.readUInt8(v + w.value.kind),
      tail: buf.readUInt8(v + w.value.tail),
      headLen: buf.readUInt16LE(v + w.value.head_len),
      access: buf.readUInt16LE(v + w.value.access),
    });
  }
  return { pairs: buf.subarray(0, bitmapBytes), keys };
}

const pairSet = (pairs: Buffer, s: string) => {
  const p = (s.charCodeAt(1) << 8) | s.charCodeAt(2);
  return (pairs[p >> 3] & (1 << (p & 7))) !== 0;
};

describe('watch table compilation', () => {
  test('prefixes are keys of table 0; a "*" head gets a tail table; resolve prefixes are added', () => {
    const paths: WatchedPath[] = [
      { path: '/etc/shadow', category: 'shadow' },
      { path: '/home/*/.ssh/', category: 'ssh' },
      { path: '/home/*/.bash_history', category: 'history', access: ['truncate', 'delete'] },
    ];
    const { keys } = decompile(compileWatchTable(layout, paths));
    const head = keys.find((k) => k.path === '/home/')!;
    assert.deepEqual(keys.find((k) => k.path === '/etc/shadow'), { table: 0, path: '/etc/shadow', entry: 0, kind: w.match, tail: 0, headLen: 11, access: 0x3f });
    assert.deepEqual([head.table, head.entry, head.kind, head.headLen], [0, w.noEntry, w.match, 6]);
    assert.ok(head.tail > 0);
    assert.deepEqual(keys.filter((k) => k.table === head.tail).map((k) => [k.path, k.entry, k.access]), [
      ['.ssh/', 1, 0x3f],
      ['.bash_history', 2, layout.access.truncate | layout.access.delete],
    ]);
    for (const p of RESOLVE_PREFIXES) assert.equal(keys.find((k) => k.path === p)?.kind, w.resolve, p);
  });

  test('the pair bitmap holds the first two bytes of every head, and nothing else', () => {
    const { pairs } = decompile(compileWatchTable(layout, [{ path: '/etc/shadow', category: 'x' }, { path: '/x', category: 'short' }]));
    assert.ok(pairSet(pairs, '/etc'));
    assert.ok(pairSet(pairs, '/proc'), 'resolve prefixes too');
    assert.ok(pairSet(pairs, '/xa') && pairSet(pairs, '/x/'), 'a one-byte head stands for every pair it begins');
    assert.equal(pairSet(pairs, '/usr'), false);
    assert.equal(pairSet(pairs, '/tmp'), false);
  });

  test('the default table compiles and names its categories', () => {
    const { keys } = decompile(compileWatchTable(layout, DEFAULT_WATCHED_PATHS));
    assert.ok(keys.length > DEFAULT_WATCHED_PATHS.length / 2);
    const categories = new Set(DEFAULT_WATCHED_PATHS.map((p) => p.category));
    assert.deepEqual([...categories].sort(), Object.values(WATCH_CATEGORY).sort());
    assert.ok(DEFAULT_WATCHED_PATHS.some((p) => p.path === '/var/run/secrets/kubernetes.io/serviceaccount/'));
  });

  test('bad patterns are refused with the index, the pattern and the reason', () => {
    const bad = (path: string, why: RegExp, extra: Partial<WatchedPath> = {}) =>
      assert.throws(() => compileWatchTable(layout, [{ path: '/ok', category: 'c' }, { path, category: 'c', ...extra }]), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'INVALID_ARGUMENT');
        assert.match(e.message, new RegExp(`^watchedPaths\\[1\\] ${JSON.stringify(path).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
        assert.match(e.message, why);
        return true;
      });
    bad('etc/shadow', /absolute/);
    bad('/etc//shadow', /canonical/);
    bad('/etc/./shadow', /canonical/);
    bad('/home/../etc', /canonical/);
    bad('/home/x*/.ssh/', /whole path component/);
    bad('/*/a/*/b', /at most one/);
    bad(`/${'a'.repeat(300)}`, /longer than/);
    bad('/a\0b', /NUL/);
    bad('/ok', /listed twice/);
    bad('/x', /category/, { category: '' });
    bad('/x', /unknown access "chmod"/, { access: ['chmod' as never] });
    assert.throws(() => compileWatchTable(layout, Array.from({ length: w.maxPatterns + 1 }, (_, i) => ({ path: `/p${i}`, category: 'c' }))), /at most 256/);
  });
});

describe('watch table generations', () => {
  test('a record names its pattern by generation; old generations are forgotten past the bound', () => {
    const t = new WatchTables(2);
    t.set(1, [{ path: '/a', category: 'one' }]);
    t.set(2, [{ path: '/b', category: 'two' }]);
    assert.equal(t.pattern(1, 0)?.path, '/a');
    assert.equal(t.pattern(2, 0)?.category, 'two');
    assert.equal(t.pattern(2, 5), undefined);
    t.set(3, [{ path: '/c', category: 'three' }]);
    assert.equal(t.pattern(1, 0), undefined);
    assert.deepEqual(t.current(), [{ path: '/c', category: 'three' }]);
  });
});
