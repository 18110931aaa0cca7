import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { VIGIL } from '../../../helpers/vigil-cli';

test('a --data-dir that cannot be made stops the start with the path, instead of hanging', () => {
  for (const command of ['controlplane', 'up']) {
    const r = spawnSync(process.execPath, [VIGIL, command, '--data-dir', '/proc/vigil-data'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.error, undefined, `${command} did not exit within 20 s`);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /mkdir '\/proc\/vigil-data'/);
  }
});
