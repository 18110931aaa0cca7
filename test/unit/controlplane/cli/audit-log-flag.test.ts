import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { VIGIL } from '../../../helpers/vigil-cli';
import { tempDir } from '../../../helpers/temp-dir';

test('--audit-log given a directory is a usage error at start, not an error logged at every poll', () => {
  const dir = tempDir();
  const r = spawnSync(process.execPath, [VIGIL, 'controlplane', '--data-dir', dir, '--audit-log', dir], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /is not a regular file/);
});
