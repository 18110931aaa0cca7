import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cFixture } from '../../helpers/c-fixture';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { fileWatchSuite } from '../../helpers/watched-tree';

describe('file access: unlink and unlinkat of watched paths', kernelTestOptions(), () => {
  const session = fileWatchSuite();
  const at = (rel: string) => session().tree.at(rel);
  const fileEvents = (file: string, args: string[], cwd?: string) => session().files(file, args, cwd);

  test('rm of a shell history by absolute name: delete, as spelled', async () => {
    const history = session().tree.write('home/alice/.bash_history', 'ls\n');
    const [f, ...rest] = await fileEvents('/bin/rm', [history]);
    assert.deepEqual(rest, []);
    assert.equal(f.call, 'CALL_UNLINKAT');
    assert.equal(f.access, 'ACCESS_DELETE');
    assert.equal(f.path, history);
    assert.equal(f.category, 'shell-history');
    assert.equal(f.result, 0);
    assert.equal(f.resolution, 'RESOLUTION_AS_GIVEN');
  });

  test('rm of a history by a relative name from its home: folded onto cwd', async () => {
    const history = session().tree.write('home/alice/.bash_history', 'ls\n');
    const [f] = await fileEvents('/bin/rm', ['./.bash_history'], at('home/alice'));
    assert.equal(f.path, history);
    assert.equal(f.name, './.bash_history');
    assert.equal(f.resolution, 'RESOLUTION_LEXICAL');
  });

  test('unlinkat against a directory fd, through "..": folded onto the directory', async () => {
    const history = session().tree.write('home/alice/.bash_history', 'ls\n');
    const [f] = await fileEvents(cFixture('file-calls'), ['unlinkat', at('home/alice/.ssh'), '../.bash_history']);
    assert.equal(f.path, history);
    assert.ok(f.dirfd >= 0);
    assert.equal(f.resolution, 'RESOLUTION_LEXICAL');
  });

  test('a failed unlink is reported with its error; unwatched files are not reported', async () => {
    const [f] = await fileEvents(cFixture('file-calls'), ['unlinkat', session().tree.root, 'keys/gone']);
    assert.equal(f.path, at('keys/gone'));
    assert.equal(f.result, -2, 'ENOENT');
    assert.deepEqual(await fileEvents('/bin/rm', [session().tree.write('home/alice/notes2.txt', 'x')]), []);
  });

  test('every record decoded', () => {
    assert.deepEqual(session().rec.errors, []);
  });
});
