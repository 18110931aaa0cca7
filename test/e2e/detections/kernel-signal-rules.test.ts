/**
 * The rules on facts the kernel reads from the file itself, against real
 * containers on overlayfs (as kubelet's containerd runs them) and real
 * processes: the real sensor streams to a real control plane whose rules
 * file adds a watched path. Look-alikes run first in the same container, so
 * the attack's alert arriving proves they were judged and stayed silent.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSensor, type RunningSensor } from '../../../sensor/src/cli/sensor-run';
import { cFixture } from '../../helpers/c-fixture';
import { TestContainerd, containerdTestOptions } from '../../helpers/containerd';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { run, uniqueToken } from '../../helpers/processes';
import { tempDir } from '../../helpers/temp-dir';
import { runVigil } from '../../helpers/vigil-cli';
import { DEFAULT_WATCHED_PATHS } from '../../../proto/watched-paths';

interface StoredAlert {
  rule_id: string;
  container_id: string;
  summary: string;
}

const TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

describe('kernel-signal rules on real containers and processes', { ...containerdTestOptions(), ...kernelTestOptions(), timeout: 240_000 }, () => {
  let ctd: TestContainerd;
  let cp: TestControlPlane;
  let sensor: RunningSensor;
  let rulesFile: string;
  let watched: string;
  const logs: string[] = [];

  const alerts = (): StoredAlert[] =>
    cp.query<{ rule_id: string; container_id: string; body: string }>('SELECT rule_id, container_id, body FROM alerts ORDER BY id').map((r) => ({ ...r, summary: (JSON.parse(r.body) as { summary: string }).summary }));

  async function waitForAlert(rule: string, where: string, match: (a: StoredAlert) => boolean = () => true, ms = 20_000): Promise<StoredAlert> {
    for (const deadline = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 50))) {
      const hit = alerts().find((a) => a.rule_id === rule && a.container_id === where && match(a));
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no ${rule} alert for ${where || 'the host'} within ${ms} ms; have: ${alerts().map((a) => `${a.rule_id}: ${a.summary}`).join(' | ')}\n${logs.slice(-20).join('\n')}`);
    }
  }

  const raised = (rule: string, where: string) => alerts().filter((a) => a.rule_id === rule && a.container_id === where);

  before(async () => {
    ctd = await TestContainerd.start({ snapshotter: 'overlayfs' });
    const dataDir = tempDir('vigil-signals-e2e-');
    watched = tempDir('vigil-watched-');
    rulesFile = path.join(dataDir, 'rules.yaml');
    fs.writeFileSync(rulesFile, `watched_paths:\n  add:\n    - { path: ${watched}/, category: payroll-secrets, access: [read] }\n`);
    cp = await startTestControlPlane({ dataDir, rulesFile, log: (l) => logs.push(l) });
    sensor = startSensor({ dataDir, controlplane: cp.target, tokenFile: cp.tokenFile, nodeName: 'node-signals', ringBytes: 16 * 1024 * 1024, batchInterval: 50, criSocket: ctd.socket, ociBundleRoot: [] }, 'test', (l) => logs.push(l));
    for (const deadline = Date.now() + 20_000; !logs.some((l) => /watching \d+ paths, as the control plane's rules say/.test(l)); await new Promise((r) => setTimeout(r, 50)))
      if (Date.now() > deadline) throw new Error(`the sensor never applied the control plane's watched paths:\n${logs.join('\n')}`);
  });

  after(async () => {
    await sensor?.stop();
    await cp?.stop();
    await ctd?.stop();
  });

  test('drift: a copied-in binary, a script written and made executable, a renamed shell; not the image\'s own binaries and scripts', async () => {
    const pod = await ctd.runPod({ name: 'drift', namespace: 'shop', command: ['/bin/sh', '-c', 'sleep 600'] });
    const id = pod.containerId;
    await ctd.exec(id, ['/bin/busybox', 'true']);
    await ctd.exec(id, ['/bin/image-script']);
    await ctd.exec(id, ['/bin/sh', '-c', '/bin/cat /etc/hostname >/dev/null; :']);
    await ctd.exec(id, ['/bin/sh', '-c', 'cp /bin/busybox /tmp/bb && /tmp/bb true']);
    await ctd.exec(id, ['/bin/sh', '-c', 'printf "#!/bin/sh\\ntrue\\n" > /tmp/fetched.sh && chmod +x /tmp/fetched.sh && /tmp/fetched.sh']);
    await ctd.exec(id, ['/bin/sh', '-c', 'cp /bin/sh /bin/kworker && /bin/kworker -c true; :']);
    for (const file of ['/tmp/bb', '/tmp/fetched.sh', '/bin/kworker']) await waitForAlert('binary-not-in-image', id, (a) => a.summary.startsWith(`${file} executed`));
    const files = raised('binary-not-in-image', id).map((a) => a.summary.split(' ')[0]).sort();
    assert.deepEqual(files, ['/bin/kworker', '/tmp/bb', '/tmp/fetched.sh'], 'only the three foreign files, not the image\'s busybox, scripts or cat');
  });

  test('fileless: a memory file and a deleted file executed; not the same binary run from disk', async () => {
    const fixture = cFixture('fileless-exec');
    const token = uniqueToken();
    await run('/bin/true', [token]);
    for (const mode of ['memfd', 'deleted']) assert.equal((await run(fixture, [mode, '/bin/true', `${token}-${mode}`])).code, 0);
    for (const mode of ['a memory file', 'a deleted file']) await waitForAlert('fileless-execution', '', (a) => a.summary.includes(`executed ${mode}`) && a.summary.includes(token));
    assert.equal(alerts().filter((a) => a.rule_id === 'fileless-execution' && a.summary.endsWith(`/bin/true ${token}`)).length, 0);
  });

  test('a service-account token: the entrypoint reads it quietly; cat from an exec session is raised', async () => {
    const tokens = tempDir('vigil-sa-');
    fs.writeFileSync(path.join(tokens, 'token'), 'eyJhbGciOiJSUzI1NiJ9.simulated');
    const pod = await ctd.runPod({
      name: 'operator',
      namespace: 'ops',
      hostPaths: [{ host: tokens, container: TOKEN_DIR, readonly: true }],
      // The workload's own read: its entrypoint (the shell itself, a builtin) reads the token, then serves.
      command: ['/bin/sh', '-c', `read t < ${TOKEN_DIR}/token; sleep 600`],
    });
    await new Promise((r) => setTimeout(r, 1000));
    await ctd.exec(pod.containerId, ['/bin/cat', `${TOKEN_DIR}/token`]);
    const alert = await waitForAlert('service-account-token-read', pod.containerId);
    assert.match(alert.summary, /^\/bin\/(cat|busybox) read the service-account token \/(var\/)?run\/secrets\/kubernetes\.io\/serviceaccount\/token/);
    assert.equal(raised('service-account-token-read', pod.containerId).length, 1, 'the entrypoint\'s read raised nothing');
  });

  test('credentials in a container, shell history removed, the runtime socket, a key added to authorized_keys: each raised; the workload\'s own read, an append to a history and a read of authorized_keys are not', async () => {
    const aws = tempDir('vigil-aws-');
    fs.writeFileSync(path.join(aws, 'credentials'), '[default]\naws_access_key_id = AKIASIMULATED\n');
    const pod = await ctd.runPod({
      name: 'batch',
      namespace: 'jobs',
      hostPaths: [
        { host: aws, container: '/root/.aws', readonly: true },
        { host: ctd.socket, container: '/run/containerd/containerd.sock' },
      ],
      command: ['/bin/sh', '-c', 'read c < /root/.aws/credentials; sleep 600'],
    });
    const id = pod.containerId;
    await new Promise((r) => setTimeout(r, 1000));
    await ctd.exec(id, ['/bin/sh', '-c', 'echo ls >> /root/.ash_history']);
    await ctd.exec(id, ['/bin/sh', '-c', 'cat /root/.aws/credentials >/dev/null']);
    await ctd.exec(id, ['/bin/rm', '/root/.ash_history']);
    await ctd.exec(id, ['/bin/sh', '-c', 'cat /run/containerd/containerd.sock 2>/dev/null; :']);
    await ctd.exec(id, ['/bin/sh', '-c', 'mkdir -p /root/.ssh && : > /tmp/k && cp /tmp/k /root/.ssh/authorized_keys.new && mv /root/.ssh/authorized_keys.new /root/.ssh/authorized_keys']);
    await ctd.exec(id, ['/bin/cat', '/root/.ssh/authorized_keys']);
    await ctd.exec(id, ['/bin/sh', '-c', 'echo "ssh-ed25519 AAAAC3Nza x@evil" | tee -a /root/.ssh/authorized_keys >/dev/null']);
    await waitForAlert('credentials-read-in-container', id, (a) => a.summary.includes('/root/.aws/credentials'));
    await waitForAlert('shell-history-cleared', id, (a) => /deleted \/root\/\.ash_history/.test(a.summary));
    await waitForAlert('runtime-socket-from-container', id, (a) => a.summary.includes('/run/containerd/containerd.sock'));
    assert.equal(raised('credentials-read-in-container', id).length, 1, 'the entrypoint\'s own read raised nothing');
    assert.equal(raised('shell-history-cleared', id).length, 1, 'the append raised nothing');
    // The copy renamed onto the file from beside it arrives as the copy's deletion, its new name the file replaced.
    await waitForAlert('ssh-authorized-keys-modified', id, (a) => /^\S+ replaced \/root\/\.ssh\/authorized_keys /.test(a.summary));
    await waitForAlert('ssh-authorized-keys-modified', id, (a) => /^\S+ wrote to \/root\/\.ssh\/authorized_keys /.test(a.summary));
    assert.equal(raised('credentials-read-in-container', id).length, 1, 'reading authorized_keys is no credential read');
  });

  test('the rules file\'s watched paths reach the sensor, and a reload changes them', async () => {
    const marker = uniqueToken();
    fs.writeFileSync(path.join(watched, 'salaries.csv'), 'x\n');
    spawnSync('/bin/cat', [path.join(watched, 'salaries.csv'), marker]);
    const fileEvents = async () => (await runVigil(['events', '--data-dir', cp.dataDir, '--type', 'file', '--json', '-n', '1000'])).stdout;
    for (const deadline = Date.now() + 15_000; !(await fileEvents()).includes(marker); await new Promise((r) => setTimeout(r, 200)))
      if (Date.now() > deadline) throw new Error('no file event for the path the rules file added');
    assert.match(await fileEvents(), /"category":"payroll-secrets"/);

    fs.writeFileSync(rulesFile, 'watched_paths:\n  remove: [/etc/shadow]\n');
    cp.reload();
    for (const deadline = Date.now() + 15_000; logs.filter((l) => /watching \d+ paths, as the control plane's rules say/.test(l)).length < 2; await new Promise((r) => setTimeout(r, 50)))
      if (Date.now() > deadline) throw new Error(`the reload never reached the sensor:\n${logs.slice(-10).join('\n')}`);
    const later = uniqueToken();
    spawnSync('/bin/cat', [path.join(watched, 'salaries.csv'), later]);
    spawnSync('/bin/cat', ['/etc/shadow', later], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 1500));
    assert.doesNotMatch(await fileEvents(), new RegExp(later), 'neither the removed path nor the one no longer added is watched');

    // Every path removed is a table like any other; the next rules file still reaches the kernel.
    const reloadTo = async (yaml: string, count: number) => {
      fs.writeFileSync(rulesFile, yaml);
      cp.reload();
      const line = new RegExp(`watching ${count} paths, as the control plane's rules say`);
      const seen = logs.filter((l) => line.test(l)).length;
      for (const deadline = Date.now() + 15_000; logs.filter((l) => line.test(l)).length <= seen; await new Promise((r) => setTimeout(r, 50)))
        if (Date.now() > deadline) throw new Error(`no "${line.source}" after the reload:\n${logs.slice(-10).join('\n')}`);
    };
    await reloadTo(`watched_paths:\n  remove: [${DEFAULT_WATCHED_PATHS.map((w) => JSON.stringify(w.path)).join(', ')}]\n`, 0);
    await reloadTo(`watched_paths:\n  add:\n    - { path: ${watched}/, category: payroll-secrets, access: [read] }\n  remove: [${DEFAULT_WATCHED_PATHS.map((w) => JSON.stringify(w.path)).join(', ')}]\n`, 1);
    const back = uniqueToken();
    spawnSync('/bin/cat', [path.join(watched, 'salaries.csv'), back]);
    for (const deadline = Date.now() + 15_000; !(await fileEvents()).includes(back); await new Promise((r) => setTimeout(r, 200)))
      if (Date.now() > deadline) throw new Error('no file event after the table went empty and came back');
  });
});
