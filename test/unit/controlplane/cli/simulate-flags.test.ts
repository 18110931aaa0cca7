import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { VIGIL } from '../../../helpers/vigil-cli';
import { tempDir } from '../../../helpers/temp-dir';

test('simulate --cluster: a webhook that is not an https URL is a usage error naming the flag', () => {
  const dir = tempDir();
  for (const [url, said] of [
    ['notaurl', /--webhook <url>.*"notaurl" is not a URL/],
    ['http://127.0.0.1:8443', /--webhook <url>.*served over https only/],
  ] as const) {
    const r = spawnSync(process.execPath, [VIGIL, 'simulate', '--cluster', '--data-dir', dir, '--webhook', url], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, said);
  }
});
