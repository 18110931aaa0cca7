/**
 * `vigil alerts --follow` across a control plane that dies: it keeps trying,
 * then resumes after the last alert it printed, so nothing is printed twice
 * and nothing raised while it was away is missed.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { auditEvent } from '../../../controlplane/src/audit/audit-event-builder';
import { tempDir } from '../../helpers/temp-dir';
import { runVigil, startVigil } from '../../helpers/vigil-cli';

const execInto = (pod: string) =>
  `${JSON.stringify(auditEvent({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop', name: pod, requestURI: `/api/v1/namespaces/shop/pods/${pod}/exec?command=sh&container=app&stdin=true&tty=true` }))}\n`;

describe('vigil alerts --follow', { timeout: 60_000 }, () => {
  test('resumes after the control plane is killed and restarted: each alert printed once, none missed', async () => {
    const dataDir = tempDir('vigil-follow-');
    const log = path.join(tempDir('vigil-follow-log-'), 'audit.log');
    fs.writeFileSync(log, execInto('before-kill'));
    const controlplane = () => startVigil(['controlplane', '--data-dir', dataDir, '--audit-log', log]);
    let cp = controlplane();
    await cp.waitFor(/listening on/);
    const follow = startVigil(['alerts', '--follow', '--json', '--data-dir', dataDir]);
    try {
      await follow.waitFor(/before-kill/);
      cp.child.kill('SIGKILL');
      await cp.exited;
      fs.appendFileSync(log, execInto('while-down'));
      await follow.waitFor(/stream ended/);
      await new Promise((r) => setTimeout(r, 1500));
      cp = controlplane();
      await cp.waitFor(/listening on/);
      fs.appendFileSync(log, execInto('after-restart'));
      await follow.waitFor(/after-restart/, 15_000);
      const pods = follow
        .stdout()
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { k8s_object?: { name?: string }; summary: string }).summary.match(/before-kill|while-down|after-restart/)?.[0]);
      assert.deepEqual(pods, ['before-kill', 'while-down', 'after-restart']);
      assert.match(follow.stderr(), /resuming after alert \d+/);
      // Listing through the running control plane gives what the store holds, newest first, a page at a time.
      const listed = async (args: string[]) => (await runVigil(['alerts', '--json', '-n', '2', ...args])).stdout.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
      const remote = await listed(['--controlplane', `unix://${path.join(dataDir, 'vigil.sock')}`, '--token-file', path.join(dataDir, 'token')]);
      assert.deepEqual(remote, await listed(['--data-dir', dataDir]));
      assert.equal(remote.length, 2);
    } finally {
      follow.child.kill('SIGINT');
      const { code } = await follow.exited;
      cp.child.kill('SIGINT');
      await cp.exited;
      assert.equal(code, 0, 'Ctrl-C ends --follow cleanly');
    }
  });
});
