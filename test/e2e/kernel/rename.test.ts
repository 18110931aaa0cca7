import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cFixture } from '../../helpers/c-fixture';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { fileWatchSuite } from '../../helpers/watched-tree';

describe('file access: rename of and onto watched paths', kernelTestOptions(), () => {
  const session = fileWatchSuite();
  const at = (rel: string) => session().tree.at(rel);
  const fileEvents = (file: string, args: string[], cwd?: string) => session().files(file, args, cwd);

  test('moving a history away deletes it from its path', async () => {
    const history = session().tree.write('home/alice/.bash_history', 'ls\n');
    const [f] = await fileEvents('/bin/mv', [history, at('home/alice/old')]);
    assert.equal(f.call, 'CALL_RENAMEAT2');
    assert.equal(f.access, 'ACCESS_DELETE');
    assert.equal(f.path, history);
    assert.equal(f.name, history);
    assert.equal(f.other_name, at('home/alice/old'));
  });

  test('moving a file onto a watched path replaces it (a planted key)', async () => {
    session().tree.write('home/alice/key.tmp', 'ATTACKER\n');
    const [f] = await fileEvents(cFixture('file-calls'), ['renameat', at('home/alice'), 'key.tmp', '.ssh/authorized_keys']);
    assert.equal(f.call, 'CALL_RENAMEAT');
    assert.equal(f.access, 'ACCESS_REPLACE');
    assert.equal(f.path, at('home/alice/.ssh/authorized_keys'));
    assert.equal(f.name, '.ssh/authorized_keys', 'name is the argument that matched');
    assert.equal(f.other_name, 'key.tmp');
    assert.equal(f.resolution, 'RESOLUTION_LEXICAL');
  });

  test('renames between unwatched paths are not reported', async () => {
    assert.deepEqual(await fileEvents('/bin/mv', [session().tree.write('home/alice/a', 'x'), at('home/alice/b')]), []);
  });

  test('every record decoded', () => {
    assert.deepEqual(session().rec.errors, []);
  });
});
