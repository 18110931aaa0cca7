import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_WATCHED_PATHS } from '../../../proto/watched-paths';
import { cFixture } from '../../helpers/c-fixture';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { fileWatchSuite } from '../../helpers/watched-tree';

describe('file access: the open family on watched paths', kernelTestOptions(), () => {
  const session = fileWatchSuite();
  const at = (rel: string) => session().tree.at(rel);
  const eventsOf = (file: string, args: string[], cwd?: string) => session().run(file, args, cwd);
  const sensor = () => session().rec.sensor;

  async function oneEvent(file: string, args: string[], cwd?: string) {
    const { out, files } = await eventsOf(file, args, cwd);
    assert.equal(files.length, 1, `one file event from ${file} ${args.join(' ')}, got ${JSON.stringify(files)}`);
    return { out, f: files[0] };
  }

  test('an absolute read: path, pattern, category, call, access, fd, spelled as given', async () => {
    const { f } = await oneEvent('/bin/cat', [at('etc/shadow')]);
    assert.equal(f.path, at('etc/shadow'));
    assert.equal(f.watched, at('etc/shadow'));
    assert.equal(f.category, 'shadow');
    assert.equal(f.call, 'CALL_OPENAT');
    assert.equal(f.access, 'ACCESS_READ');
    assert.ok(f.result >= 0, `an fd, got ${f.result}`);
    assert.equal(f.name, at('etc/shadow'));
    assert.equal(f.dirfd, -100);
    assert.equal(f.resolution, 'RESOLUTION_AS_GIVEN');
  });

  test('opens outside the table yield nothing and are each counted as filtered', async () => {
    const before = sensor().stats().byType.file.filtered;
    const { out, files } = await eventsOf(cFixture('open-storm'), ['0.05', at('etc/hostname')]);
    const opens = Number(out.split(' ')[0]);
    assert.equal(files.length, 0);
    assert.ok(opens > 100, `the storm opened ${opens} times`);
    const filtered = sensor().stats().byType.file.filtered - before;
    assert.ok(filtered >= opens, `${filtered} calls filtered for ${opens} opens`);
  });

  test('a relative name from a changed cwd resolves to the opened file', async () => {
    const { f } = await oneEvent('/bin/cat', ['shadow'], at('etc'));
    assert.equal(f.path, at('etc/shadow'));
    assert.equal(f.name, 'shadow');
    assert.equal(f.resolution, 'RESOLUTION_FILE');
  });

  test('a name relative to a directory fd resolves to the opened file', async () => {
    const { f } = await oneEvent(cFixture('file-calls'), ['openat', at('home'), 'alice/.ssh/id_ed25519']);
    assert.equal(f.path, at('home/alice/.ssh/id_ed25519'));
    assert.equal(f.watched, at('home/*/.ssh/'));
    assert.ok(f.dirfd >= 0, `the directory fd, got ${f.dirfd}`);
    assert.equal(f.resolution, 'RESOLUTION_FILE');
  });

  test('"//", "/./" and "/../" spellings resolve to the file', async () => {
    const r = session().tree.root;
    for (const name of [`/${r}//etc//shadow`, `${r}/etc/./shadow`, `${r}/home/../etc/shadow`]) {
      const { f } = await oneEvent('/bin/cat', [name]);
      assert.equal(f.path, at('etc/shadow'), name);
      assert.equal(f.name, name);
      assert.equal(f.resolution, 'RESOLUTION_FILE', name);
    }
  });

  test('/proc/self/root/... and a /proc/self/fd/N reopen resolve to the file', async () => {
    const viaRoot = await oneEvent('/bin/cat', [`/proc/self/root${at('keys/id_rsa')}`]);
    assert.equal(viaRoot.f.path, at('keys/id_rsa'));
    assert.equal(viaRoot.f.resolution, 'RESOLUTION_FILE');
    // The O_PATH open is itself a (read) access, as spelled; the reopen goes through /proc.
    const { files } = await eventsOf(cFixture('file-calls'), ['reopen', at('keys/id_rsa')]);
    assert.deepEqual(files.map((f) => [f.path, f.resolution]), [
      [at('keys/id_rsa'), 'RESOLUTION_AS_GIVEN'],
      [at('keys/id_rsa'), 'RESOLUTION_FILE'],
    ]);
    assert.match(files[1].name, /^\/proc\/self\/fd\/\d+$/);
  });

  test('a failed open reports the error: as spelled, or folded onto its directory', async () => {
    const missing = await oneEvent(cFixture('file-calls'), ['openat2', at('keys/missing')]);
    assert.equal(missing.f.result, -2, 'ENOENT');
    assert.equal(missing.f.call, 'CALL_OPENAT2');
    assert.equal(missing.f.resolution, 'RESOLUTION_AS_GIVEN');
    const relative = await oneEvent(cFixture('file-calls'), ['openat', at('home/alice'), '../alice/.ssh/missing']);
    assert.equal(relative.f.result, -2);
    assert.equal(relative.f.path, at('home/alice/.ssh/missing'));
    assert.equal(relative.f.resolution, 'RESOLUTION_LEXICAL');
  });

  test('creat and open_by_handle_at (which names no path) are seen', async () => {
    const created = await oneEvent(cFixture('file-calls'), ['creat', at('keys/planted')]);
    assert.equal(created.f.call, 'CALL_CREAT');
    assert.equal(created.f.access, 'ACCESS_TRUNCATE');
    const byHandle = await oneEvent(cFixture('file-calls'), ['by-handle', at('keys/id_rsa')]);
    assert.equal(byHandle.f.call, 'CALL_OPEN_BY_HANDLE_AT');
    assert.equal(byHandle.f.path, at('keys/id_rsa'));
    assert.equal(byHandle.f.name, '');
    assert.equal(byHandle.f.resolution, 'RESOLUTION_FILE');
  });

  test('a history pattern reports truncation, not reads or appends', async () => {
    const history = at('home/alice/.bash_history');
    const quiet = await eventsOf('/bin/sh', ['-c', `cat ${history} >/dev/null; echo ls >> ${history}`]);
    assert.equal(quiet.files.length, 0, 'reading and appending are the shell\'s own business');
    const { f } = await oneEvent('/bin/sh', ['-c', `: > ${history}`]);
    assert.equal(f.access, 'ACCESS_TRUNCATE');
    assert.equal(f.category, 'shell-history');
    assert.equal(f.flags & 0o1000, 0o1000, 'O_TRUNC in the flags');
  });

  test('a "*" component stands for exactly one name', async () => {
    session().tree.write('home/a/b/.ssh/key', 'not one user deep\n');
    assert.deepEqual((await eventsOf('/bin/cat', [at('home/a/b/.ssh/key')])).files, []);
    const { f } = await oneEvent('/bin/cat', [at('home/alice/.ssh/id_ed25519')]);
    assert.equal(f.watched, at('home/*/.ssh/'));
  });

  test('a file deeper than the path walk goes is counted as unresolved, and reported as a loss', async () => {
    const deep = at(Array.from({ length: 40 }, (_, i) => `d${i}`).join('/'));
    fs.mkdirSync(deep, { recursive: true });
    fs.writeFileSync(path.join(deep, 'f'), 'x');
    const before = sensor().stats().byType.file.unresolved;
    await eventsOf('/bin/cat', ['f'], deep);
    assert.equal(sensor().stats().byType.file.unresolved - before, 1);
    await session().rec.waitFor('an unresolved loss', (e) => e.body === 'loss' && e.loss?.type === 'EVENT_TYPE_FILE' && e.loss.unresolved !== '0');
  });

  test('the table is replaced at run time; a bad table is refused and the old one stays', async () => {
    assert.throws(() => sensor().setWatchedPaths([{ path: 'etc/shadow', category: 'x' }]), /watchedPaths\[0\] "etc\/shadow": must be an absolute path/);
    assert.equal((await eventsOf('/bin/cat', [at('keys/id_rsa')])).files.length, 1, 'the old table still works');
    sensor().setWatchedPaths([{ path: at('etc/hostname'), category: 'hostname' }]);
    try {
      assert.equal((await eventsOf('/bin/cat', [at('keys/id_rsa')])).files.length, 0, 'no longer watched');
      const { f } = await oneEvent('/bin/cat', [at('etc/hostname')]);
      assert.deepEqual([f.watched, f.category], [at('etc/hostname'), 'hostname']);
      sensor().setWatchedPaths(DEFAULT_WATCHED_PATHS);
      const shadow = await oneEvent('/bin/cat', ['/etc/shadow']);
      assert.deepEqual([shadow.f.watched, shadow.f.category], ['/etc/shadow', 'shadow']);
      assert.deepEqual(sensor().watchedPaths(), DEFAULT_WATCHED_PATHS);
    } finally {
      sensor().setWatchedPaths(session().tree.paths);
    }
  });

  test('every record decoded', () => {
    assert.deepEqual(session().rec.errors, []);
  });
});
