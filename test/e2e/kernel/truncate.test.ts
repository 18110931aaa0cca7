import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cFixture } from '../../helpers/c-fixture';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { fileWatchSuite } from '../../helpers/watched-tree';

describe('file access: truncate and ftruncate of watched paths', kernelTestOptions(), () => {
  const session = fileWatchSuite();
  const at = (rel: string) => session().tree.at(rel);
  const fileEvents = (file: string, args: string[], cwd?: string) => session().files(file, args, cwd);

  test('truncate(2) of a history, relative to cwd', async () => {
    const history = session().tree.write('home/alice/.bash_history', 'ls\n');
    const [f, ...rest] = await fileEvents(cFixture('file-calls'), ['truncate', '.bash_history'], at('home/alice'));
    assert.deepEqual(rest, []);
    assert.equal(f.call, 'CALL_TRUNCATE');
    assert.equal(f.access, 'ACCESS_TRUNCATE');
    assert.equal(f.path, history);
    assert.equal(f.result, 0);
    assert.equal(f.resolution, 'RESOLUTION_LEXICAL');
  });

  test('ftruncate(2) names no path: the fd\'s file decides', async () => {
    const history = session().tree.write('home/alice/.bash_history', 'ls\n');
    // The O_WRONLY open before it is a write, which the history pattern ignores.
    const [f, ...rest] = await fileEvents(cFixture('file-calls'), ['ftruncate', history]);
    assert.deepEqual(rest, []);
    assert.equal(f.call, 'CALL_FTRUNCATE');
    assert.equal(f.path, history);
    assert.equal(f.name, '');
    assert.ok(f.dirfd >= 0, 'the fd');
    assert.equal(f.resolution, 'RESOLUTION_FILE');
  });

  test('truncating an unwatched file is not reported', async () => {
    assert.deepEqual(await fileEvents(cFixture('file-calls'), ['truncate', at('home/alice/notes.txt')]), []);
  });

  test('every record decoded', () => {
    assert.deepEqual(session().rec.errors, []);
  });
});
