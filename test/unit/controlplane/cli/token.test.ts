import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { VIGIL } from '../../../helpers/vigil-cli';
import { tempDir } from '../../../helpers/temp-dir';

function vigil(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [VIGIL, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function credentials(dataDir: string): { id: number; name: string; revoked_us: number | null }[] {
  const r = vigil(['token', 'list', '--json', '--data-dir', dataDir]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() ? r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; name: string; revoked_us: number | null }) : [];
}

describe('vigil token', () => {
  test('create --out: a file that cannot be written leaves no credential behind, and says which file', () => {
    const dir = tempDir();
    assert.equal(vigil(['token', 'create', '--reader', 'other', '--data-dir', dir]).status, 0);
    const existing = path.join(dir, 'taken.token');
    fs.writeFileSync(existing, 'someone else\'s\n');
    for (const out of [existing, path.join(dir, 'no-such-dir', 'x.token')]) {
      const r = vigil(['token', 'create', '--node', 'n1', '--out', out, '--data-dir', dir]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`write token to ${out.replace(/[.]/g, '\\.')}`));
    }
    assert.equal(fs.readFileSync(existing, 'utf8'), 'someone else\'s\n');
    assert.deepEqual(credentials(dir).filter((c) => c.name === 'n1'), []);
  });

  test('create --out writes the token 0600, and the credential it names is live', () => {
    const dir = tempDir();
    const out = path.join(dir, 'n2.token');
    const r = vigil(['token', 'create', '--node', 'n2', '--out', out, '--data-dir', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(fs.readFileSync(out, 'utf8'), /^\S{32,}\n$/);
    assert.equal(fs.statSync(out).mode & 0o777, 0o600);
    const [c] = credentials(dir).filter((x) => x.name === 'n2');
    assert.ok(c && c.revoked_us === null);
    assert.match(r.stdout, new RegExp(`credential ${c.id} `));
  });

  test('a data directory that does not exist gets no store: list and revoke say there is none, create that the directory is missing', () => {
    const dir = path.join(tempDir(), 'typo', 'data');
    for (const [args, said] of [
      [['list'], /no Vigil store at /],
      [['revoke', '1'], /no Vigil store at /],
      [['create', '--node', 'n3'], /no data directory /],
    ] as const) {
      const r = vigil(['token', ...args, '--data-dir', dir]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, said);
    }
    assert.equal(fs.existsSync(dir), false);
  });

  test('revoke with an id that is not one says so and exits 2', () => {
    const dir = tempDir();
    for (const id of ['abc', '0']) {
      const r = vigil(['token', 'revoke', id, '--data-dir', dir]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, new RegExp(`"${id}" is not a credential id`));
    }
  });
});
