import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { VIGIL } from '../../helpers/vigil-cli';

test('a reader that closes the pipe early (vigil ... | head) ends the command quietly, exit 0', async () => {
  const child = spawn(process.execPath, [VIGIL, 'rules', 'list'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed before the command has started: its first write meets a pipe with no reader.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(stderr, '');
  assert.equal(code, 0);
});
