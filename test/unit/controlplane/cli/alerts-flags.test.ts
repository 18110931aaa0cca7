import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { VIGIL } from '../../../helpers/vigil-cli';
import { tempDir } from '../../../helpers/temp-dir';
import { openStore } from '../../../../controlplane/src/store/db';

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

test('vigil alerts refuses a container prefix shorter than 4 characters, as vigil events does', () => {
  const dir = tempDir();
  openStore(dir).close();
  for (const command of ['alerts', 'events']) {
    const r = spawnSync(process.execPath, [VIGIL, command, '--data-dir', dir, '--container', 'ab'], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${command}: ${r.stderr}`);
    assert.match(r.stderr, /container id prefix "ab" is too short: give at least 4 characters/);
    assert.equal(r.stdout, '', `${command}: no table header before the refusal`);
  }
  const r = spawnSync(process.execPath, [VIGIL, 'alerts', '--data-dir', dir, '--container', 'abcd'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
