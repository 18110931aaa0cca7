/**
 * The node pod as users deploy it: the image's root filesystem built by the
 * same script as the Dockerfile's runtime stage, imported into a real
 * containerd, and run through the CRI with the container spec read from the
 * rendered DaemonSet (args, env, mounts, privileges, hostPID). Only the host
 * side of two hostPaths differs: this test's containerd directory stands for
 * /run/containerd and a temp directory for /var/lib/vigil. Pods share the
 * host network here (no CNI), so the pod's ports are the host's.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { TestContainerd, containerdTestOptions, packImage, type RunningPod } from '../../helpers/containerd';
import { INSTALL_DIR, REPO, ROOTFS_SCRIPT, findObject, flagValue, kubectlTestOptions, renderKustomization, runtimeImageConfig } from '../../helpers/deploy-manifests';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { uniqueToken } from '../../helpers/processes';
import { tempDir } from '../../helpers/temp-dir';
import { makeTestPki } from '../../helpers/test-pki';
import { countersPinFor } from '../../../sensor/src/counters-pin';
import { runVigil, startVigil } from '../../helpers/vigil-cli';

const NODE_NAME = 'node-e2e';
const portOf = (hostPort: string) => Number(hostPort.split(':').at(-1));

/** Kubelet's $(VAR) expansion of args from the container's env. */
function expand(arg: string, env: Record<string, string>): string {
  return arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
}

function fetch(port: number, urlPath: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) =>
    http
      .get({ host: '127.0.0.1', port, path: urlPath, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject),
  );
}

function get(port: number, urlPath: string): Promise<number> {
  return fetch(port, urlPath).then((r) => r.status);
}

describe('the node pod from the DaemonSet, through the CRI', { ...containerdTestOptions(), ...kernelTestOptions(), ...kubectlTestOptions(), timeout: 240_000 }, () => {
  let ctd: TestContainerd;
  let node: RunningPod;
  let spec: IPodSpec;
  let container: IContainer;
  let rootfsBytes = 0;
  /** Executable files outside /opt/vigil, shared libraries aside. */
  let programs: string[] = [];
  let pki: ReturnType<typeof makeTestPki>;
  const logDir = tempDir('vigil-node-pod-log-');
  const dataDir = tempDir('vigil-node-pod-data-');

  /** What the node pod printed, for failure messages. */
  const nodeLog = () => {
    try {
      return fs.readFileSync(path.join(logDir, 'container.log'), 'utf8').slice(-4000);
    } catch {
      return '(no log)';
    }
  };

  before(async () => {
    ctd = await TestContainerd.start();
    const ds = findObject<{ spec: { template: { spec: IPodSpec } } }>(renderKustomization(INSTALL_DIR), 'DaemonSet', 'vigil-node');
    spec = ds.spec.template.spec;
    container = spec.containers[0];

    const imageDir = tempDir('vigil-node-image-');
    execFileSync('sh', [ROOTFS_SCRIPT, REPO, path.join(imageDir, 'rootfs')], { stdio: ['ignore', 'ignore', 'inherit'] });
    rootfsBytes = Number(execFileSync('du', ['-sb', path.join(imageDir, 'rootfs')], { encoding: 'utf8' }).split('\t')[0]);
    programs = execFileSync('find', ['.', '-path', './opt', '-prune', '-o', '-type', 'f', '-perm', '-u+x', '!', '-name', '*.so*', '-print'], { cwd: path.join(imageDir, 'rootfs'), encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    ctd.importImage(packImage(path.join(imageDir, 'rootfs'), imageDir, container.image!, runtimeImageConfig()));
    fs.rmSync(imageDir, { recursive: true, force: true });

    // The Secrets the README has users create, from the same `vigil certs` code.
    pki = makeTestPki();
    const metricsToken = path.join(tempDir('vigil-metrics-token-'), 'token');
    fs.writeFileSync(metricsToken, 'metrics-scrape-token');
    const secrets: Record<string, Record<string, string>> = { 'vigil-tls': { 'ca.crt': pki.ca, 'tls.crt': pki.serverCert, 'tls.key': pki.serverKey }, 'vigil-metrics': { token: metricsToken } };
    const hostFor: Record<string, string> = { '/run/containerd': ctd.dir, '/var/lib/vigil': dataDir };
    const hostPaths = container.volumeMounts!.map((m) => {
      const v = spec.volumes!.find((x) => x.name === m.name)!;
      if (v.hostPath) return { host: hostFor[v.hostPath.path] ?? v.hostPath.path, container: m.mountPath, readonly: !!m.readOnly };
      const files = v.secret && secrets[v.secret.secretName!];
      assert.ok(files, `volume ${v.name}: this test knows hostPath volumes and the Secrets ${Object.keys(secrets).join(', ')}`);
      const dir = tempDir(`vigil-secret-${v.name}-`);
      for (const [key, file] of Object.entries(files)) fs.copyFileSync(file, path.join(dir, key));
      return { host: dir, container: m.mountPath, readonly: true };
    });
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
      if (e.valueFrom?.fieldRef?.fieldPath === 'spec.nodeName') env[e.name] = NODE_NAME;
      else if (e.value !== undefined) env[e.name] = e.value;
      else assert.fail(`env ${e.name}: this test knows values and spec.nodeName`);
    }
    const pin = countersPinFor(path.join(flagValue(container.args!, '--data-dir')!, 'sensor'));
    if (!fs.existsSync(pin)) podPin = pin;
    node = await ctd.runPod({
      name: 'vigil-node-e2e',
      namespace: 'vigil',
      image: container.image,
      containerName: container.name,
      command: container.command,
      args: container.args!.map((a) => expand(a, env)),
      env,
      hostPaths,
      privileged: container.securityContext?.privileged === true,
      hostPid: spec.hostPID === true,
      logDir,
    });
  });
  /** The kernel counters the pod pins (bpffs is the host's), unless a Vigil of this machine pinned them first. */
  let podPin: string | undefined;
  after(async () => {
    await ctd?.stop();
    for (const d of [logDir, dataDir]) fs.rmSync(d, { recursive: true, force: true });
    if (podPin) fs.rmSync(path.dirname(podPin), { recursive: true, force: true });
  });

  test('the image holds only what runs: under 135 MB, all but 35 MB of it the node binary', () => {
    const nodeBinary = fs.statSync(process.execPath).size;
    assert.ok(rootfsBytes < 135e6, `${rootfsBytes} bytes`);
    assert.ok(rootfsBytes - nodeBinary < 35e6, `${rootfsBytes - nodeBinary} bytes besides the node binary`);
    assert.deepEqual(programs, ['./usr/bin/env', './usr/local/bin/node'], 'no shell, no compiler: node and the env of its shebang');
  });

  test('a shell exec\'d into a workload pod is stored with its pod and raises shell-in-container on the node', async () => {
    const port = portOf(flagValue(container.args!, '--metrics-listen')!);
    const readyz = container.readinessProbe!.httpGet!.path!;
    let status = 0;
    for (let i = 0; i < 300 && status !== 200; i++) {
      status = await get(port, readyz).catch(() => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200, `the readiness probe (${readyz} on ${port}) never passed; the node pod said:\n${nodeLog()}`);
    // Prometheus scrapes with the token of the vigil-metrics Secret; nobody else gets the figures.
    assert.equal((await fetch(port, '/metrics')).status, 401);
    assert.match((await fetch(port, '/metrics', 'metrics-scrape-token')).body, /^vigil_sensor_kernel_events_total\{/m);

    const web = await ctd.runPod({ name: 'web', namespace: 'shop', command: ['/bin/sh', '-c', 'sleep 120'] });
    const token = uniqueToken();
    await ctd.exec(web.containerId, ['/bin/sh', '-c', `/bin/echo ${token}; :`]);

    // In the node pod, as `kubectl -n vigil exec <pod> -- vigil events` runs it.
    type StoredEvent = { node_name: string; event: { container: { id: string; pod_name: string; pod_namespace: string }; exec: { argv: string[] } } };
    const parse = (out: string) => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as StoredEvent).find((e) => e.event.exec.argv.includes(token));
    const query = ['events', '--pod', 'shop/web', '--type', 'exec', '--json', '--limit', '500'];
    let exec: StoredEvent | undefined;
    // Each query starts a node process: poll gently, CPUs are shared.
    for (let i = 0; i < 60 && !exec; i++) {
      exec = parse(await ctd.exec(node.containerId, ['vigil', ...query]));
      if (!exec) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(exec, `no stored exec of ${token} in pod shop/web; the node pod said:\n${nodeLog()}`);
    assert.equal(exec.event.container.id, web.containerId);
    assert.equal(exec.event.container.pod_namespace, 'shop');
    assert.equal(exec.event.container.pod_name, 'web');
    assert.equal(exec.node_name, NODE_NAME, 'the node name came from the downward API env');
    // The store is the node's: the same event, read on the host from the hostPath.
    assert.deepEqual(parse((await runVigil([...query, '--data-dir', dataDir])).stdout), exec);

    // Inside the node pod, as `kubectl -n vigil exec <pod> -- vigil alerts` runs it.
    type Alert = { rule_id: string; namespace: string; pod: string; node_name: string };
    let alert: Alert | undefined;
    for (let i = 0; i < 60 && !alert; i++) {
      const out = await ctd.exec(node.containerId, ['vigil', 'alerts', '--rule', 'shell-in-container', '--json']);
      alert = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert).find((a) => a.pod === 'web');
      if (!alert) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(alert, `no shell-in-container alert for pod web; the node pod said:\n${nodeLog()}`);
    assert.equal(alert.namespace, 'shop');
    assert.equal(alert.node_name, NODE_NAME);

    // What the cluster view does: subscribe on the node's TLS port with a reader certificate of the same CA.
    const reader = pki.issue('reader', 'cluster-view');
    const follow = startVigil(['alerts', '--follow', '--json', '--rule', 'shell-in-container', '--controlplane', `127.0.0.1:${portOf(flagValue(container.args!, '--listen')!)}`, '--tls-ca', pki.ca, '--tls-cert', reader.cert, '--tls-key', reader.key]);
    try {
      await follow.waitFor(/"pod":"web"/, 30_000);
    } finally {
      follow.child.kill('SIGTERM');
      await follow.exited;
    }
  });
});
