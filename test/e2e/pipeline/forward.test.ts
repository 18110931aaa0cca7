import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { run, uniqueToken } from '../../helpers/processes';
import { tempDir } from '../../helpers/temp-dir';
import { runVigil, startVigil, type LiveCommand } from '../../helpers/vigil-cli';
import { eventually } from '../../helpers/eventually';

describe('vigil up --forward fork,exit', kernelTestOptions(), () => {
  const dataDir = tempDir('vigil-forward-');
  let up: LiveCommand;

  before(async () => {
    up = startVigil(['up', '--data-dir', dataDir, '--forward', 'fork,exit', '--batch-interval', '100ms']);
    await up.waitFor(/1 sensor connected/, 20_000);
  });
  after(async () => {
    up.child.kill('SIGINT');
    const { code } = await up.exited;
    assert.equal(code, 0, `vigil up exited badly:\n${up.stderr()}`);
  });

  test('a process\'s fork, exec and exit all reach the store', async () => {
    const child = await run('/bin/true', [uniqueToken()]);
    const bodies = await eventually('fork, exec and exit stored', async () => {
      const own = await runVigil(['events', '--data-dir', dataDir, '--pid', String(child.pid), '--json']);
      const forks = await runVigil(['events', '--data-dir', dataDir, '--type', 'fork', '--json', '-n', '500']);
      const forked = forks.stdout.split('\n').filter(Boolean).some((l) => JSON.parse(l).event.fork.child_pid === child.pid);
      const mine = own.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).event.body as string);
      return forked && mine.includes('exit') ? mine : undefined;
    });
    assert.deepEqual(bodies, ['exit', 'exec'], 'newest first');
  });
});
