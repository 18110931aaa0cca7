import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { makeDir } from '../../../proto/make-dir';
import { tempDir } from '../../helpers/temp-dir';

test('makeDir makes missing parents with the mode, takes a directory that is there, and refuses a file', () => {
  const root = tempDir();
  const deep = path.join(root, 'a', 'b', 'c');
  makeDir(deep, 0o700);
  for (const d of [path.join(root, 'a'), path.join(root, 'a', 'b'), deep]) assert.equal(fs.statSync(d).mode & 0o777, 0o700, d);
  makeDir(deep, 0o700);
  fs.writeFileSync(path.join(root, 'file'), 'x');
  assert.throws(() => makeDir(path.join(root, 'file')), { code: 'ENOTDIR' });
  assert.throws(() => makeDir(path.join(root, 'file', 'below')), { code: 'ENOTDIR' });
});

test('a directory the kernel will not make (under /proc) is an error at once, where Node\'s recursive mkdir loops forever', () => {
  // In a child with a timeout: a loop here would hang the test run instead of failing it.
  const script = `try { require(${JSON.stringify(require.resolve('../../../proto/make-dir'))}).makeDir('/proc/vigil-no-such-dir/below', 0o700) } catch (e) { process.stdout.write(e.code) }`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.error, undefined, 'makeDir did not return within 20 s');
  assert.equal(r.stdout, 'ENOENT');
});
