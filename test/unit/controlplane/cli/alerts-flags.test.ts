import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { VIGIL } from '../../../helpers/vigil-cli';
import { tempDir } from '../../../helpers/temp-dir';

test('vigil alerts without --follow refuses the live stream\'s flags instead of listing another store', () => {
  const dir = tempDir();
  for (const [flags, named] of [
    [['--controlplane', '127.0.0.1:7443', '--tls-ca', '/etc/ca.crt'], '--controlplane, --tls-ca go with --follow'],
    [['--token-file', '/etc/token'], '--token-file goes with --follow'],
    [['--after-id', '5'], '--after-id goes with --follow'],
  ] as const) {
    const r = spawnSync(process.execPath, [VIGIL, 'alerts', '--data-dir', dir, ...flags], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.includes(named), r.stderr);
    assert.equal(r.stdout, '', 'no table header before the refusal');
  }
});
