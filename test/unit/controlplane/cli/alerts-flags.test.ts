import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { VIGIL } from '../../../helpers/vigil-cli';
import { tempDir } from '../../../helpers/temp-dir';

test('vigil alerts refuses connection flags without --controlplane or --follow instead of listing another store', () => {
  const dir = tempDir();
  for (const [flags, named] of [
    [['--token-file', '/etc/token', '--tls-ca', '/etc/ca.crt'], '--token-file, --tls-ca go with --controlplane or --follow'],
    [['--after-id', '5'], '--after-id goes with --follow'],
  ] as const) {
    const r = spawnSync(process.execPath, [VIGIL, 'alerts', '--data-dir', dir, ...flags], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.includes(named), r.stderr);
    assert.equal(r.stdout, '', 'no table header before the refusal');
  }
});
