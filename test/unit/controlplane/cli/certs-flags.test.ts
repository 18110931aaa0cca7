import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { VIGIL } from '../../../helpers/vigil-cli';
import { tempDir } from '../../../helpers/temp-dir';

test('certs init: --host is required (help shows no empty default), and days past what openssl can sign are refused before anything is written', () => {
  const dir = path.join(tempDir(), 'pki');
  const help = spawnSync(process.execPath, [VIGIL, 'certs', 'init', '--help'], { encoding: 'utf8' }).stdout;
  assert.doesNotMatch(help, /default: \[\]/);
  for (const [args, said] of [
    [[], /required option '--host <name>'/],
    [['--host', 'localhost', '--days', '999999999'], /"999999999" is not a whole number from 1 to 36500/],
  ] as const) {
    const r = spawnSync(process.execPath, [VIGIL, 'certs', 'init', '--dir', dir, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, said);
  }
  assert.equal(fs.existsSync(dir), false);
});
