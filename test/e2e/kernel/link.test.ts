import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cFixture } from '../../helpers/c-fixture';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { fileWatchSuite } from '../../helpers/watched-tree';

describe('file access: links to and at watched paths', kernelTestOptions(), () => {
  const session = fileWatchSuite();
  const at = (rel: string) => session().tree.at(rel);
  const fileEvents = (file: string, args: string[], cwd?: string) => session().files(file, args, cwd);

  test('a symlink to a watched file is reported when made; opening through it is not seen', async () => {
    const link = at('home/alice/innocent');
    const [made] = await fileEvents(cFixture('file-calls'), ['symlinkat', at('etc/shadow'), link]);
    assert.equal(made.call, 'CALL_SYMLINKAT');
    assert.equal(made.access, 'ACCESS_LINK');
    assert.equal(made.path, at('etc/shadow'));
    assert.equal(made.other_name, link);
    // The documented gap: a canonical name through a symlink is judged as spelled.
    assert.deepEqual(await fileEvents('/bin/cat', [link]), []);
  });

  test('a hard link to a watched file is reported when made', async () => {
    const [made] = await fileEvents(cFixture('file-calls'), ['linkat', at('keys/id_rsa'), at('home/alice/copy')]);
    assert.equal(made.call, 'CALL_LINKAT');
    assert.equal(made.access, 'ACCESS_LINK');
    assert.equal(made.path, at('keys/id_rsa'));
    assert.equal(made.result, 0);
  });

  test('pointing a history at /dev/null (ln -sf) replaces it', async () => {
    const history = session().tree.write('home/alice/.bash_history', 'ls\n');
    // GNU ln tries the name, then makes a temporary link and renames it over.
    const events = await fileEvents('/bin/ln', ['-sf', '/dev/null', '.bash_history'], at('home/alice'));
    assert.deepEqual(events.map((f) => [f.call, f.access, f.path, f.result]), [
      ['CALL_SYMLINKAT', 'ACCESS_REPLACE', history, -17],
      ['CALL_RENAMEAT', 'ACCESS_REPLACE', history, 0],
    ]);
    assert.equal(events[0].other_name, '/dev/null');
  });

  test('a relative symlink target is not folded (it is relative to the link, not cwd)', async () => {
    assert.deepEqual(await fileEvents(cFixture('file-calls'), ['symlinkat', '../../etc/shadow', at('home/alice/rel')]), []);
  });

  test('every record decoded', () => {
    assert.deepEqual(session().rec.errors, []);
  });
});
