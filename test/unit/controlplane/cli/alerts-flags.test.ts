import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
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

test('vigil alerts --controlplane with nothing listening says the control plane is unreachable, in one sentence', () => {
  const dir = tempDir();
  const token = `${dir}/token`;
  fs.writeFileSync(token, `${'a'.repeat(40)}\n`);
  const r = spawnSync(process.execPath, [VIGIL, 'alerts', '--controlplane', `unix://${dir}/vigil.sock`, '--token-file', token], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^vigil: control plane at unix:\/\/.*vigil\.sock is unreachable \(.*ENOENT.*\); is it running\?\n$/);
  assert.doesNotMatch(r.stderr, /Resolution note/);
  assert.equal(r.stdout, '');
});
