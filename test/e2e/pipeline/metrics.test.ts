import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bpfAttachedCheck } from '../../../sensor/src/bpf-links';
import { KernelSensor } from '../../../sensor/src/kernel-sensor';
import { TestCgroup } from '../../helpers/cgroup2';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { run, uniqueToken } from '../../helpers/processes';
import { metric } from '../../helpers/metrics-text';
import { tempDir } from '../../helpers/temp-dir';
import { runVigil, startVigil, type LiveCommand } from '../../helpers/vigil-cli';
import { eventually } from '../../helpers/eventually';


async function get(port: number, route: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${route}`);
  return { status: res.status, body: await res.text() };
}

async function endpointPort(cmd: LiveCommand): Promise<number> {
  await cmd.waitFor(/metrics endpoint on 127\.0\.0\.1:\d+/, 20_000);
  return Number(/metrics endpoint on 127\.0\.0\.1:(\d+)/.exec(cmd.stderr())![1]);
}

/** The metric names the README's "Metrics and health" section lists. */
function readmeMetricNames(): string[] {
  const readme = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Metrics and health'), readme.indexOf('\n#', readme.indexOf('### Metrics and health') + 1));
  return [...new Set([...section.matchAll(/`(vigil_(?:controlplane|sensor)_[a-z_]+)`/g)].map((m) => m[1]))];
}

describe('vigil up --metrics-listen: /metrics counts what happened, /readyz says what is wrong', kernelTestOptions(), () => {
  const dataDir = tempDir('vigil-metrics-');
  const node = `metrics-${process.pid}`;
  const containerId = randomBytes(32).toString('hex');
  let cgroup: TestCgroup;
  let up: LiveCommand;
  let port: number;

  before(async () => {
    cgroup = new TestCgroup(`vigil-metrics-${process.pid}`, containerId);
    // A CRI socket nobody serves: the container's lookup still makes real CRI calls, which fail.
    up = startVigil(['up', '--data-dir', dataDir, '--node-name', node, '--metrics-listen', '127.0.0.1:0', '--cri-socket', path.join(dataDir, 'no-runtime.sock'), '--status-interval', '1s']);
    port = await endpointPort(up);
    await up.waitFor(/1 sensor connected/, 30_000);
  });
  after(async () => {
    up.child.kill('SIGINT');
    const { code } = await up.exited;
    assert.equal(code, 0, `vigil up exited badly:\n${up.stderr()}`);
    cgroup.remove();
  });

  test('ready and alive once up; every metric the README lists is exposed, the sensor\'s too', async () => {
    await eventually('/readyz 200', async () => ((await get(port, '/readyz')).status === 200 ? true : undefined));
    assert.deepEqual(await get(port, '/readyz'), { status: 200, body: 'ok\n' });
    assert.deepEqual(await get(port, '/healthz'), { status: 200, body: 'ok\n' });
    const text = (await get(port, '/metrics')).body;
    const names = readmeMetricNames();
    assert.ok(names.length >= 20, `the README lists the metrics: ${names.join(', ')}`);
    for (const name of names) assert.match(text, new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'), `${name} is exposed`);
    assert.equal(metric(text, 'vigil_controlplane_sensors_connected'), 1);
    assert.equal(metric(text, 'vigil_sensor_controlplane_connected', { node }), 1, 'the sensor child\'s metrics, labelled with its node');
  });

  test('execs, a shell in a container and its alert are counted by what they caused', async () => {
    const scrape = async () => (await get(port, '/metrics')).body;
    const was = await scrape();
    const stored = (t: string) => metric(t, 'vigil_controlplane_events_stored_total', { node, type: 'exec' }) ?? 0;
    const kernelExecs = (t: string) => metric(t, 'vigil_sensor_kernel_events_total', { node, hook: 'exec' }) ?? 0;
    const shellAlerts = (t: string) => metric(t, 'vigil_controlplane_alerts_total', { rule: 'shell-in-container' }) ?? 0;
    const token = uniqueToken();
    const EXECS = 5;
    for (let i = 0; i < EXECS; i++) assert.equal((await run('/bin/true', [`${token}-${i}`])).code, 0);
    const shell = await run('/bin/sh', ['-c', `echo $$ > ${cgroup.dir}/cgroup.procs && exec /bin/sh -c "/bin/true ${token}-shell"`]);
    assert.equal(shell.code, 0, shell.stderr);
    // Stored means counted: wait until the store holds every exec this test made.
    await eventually('the test\'s execs in the store', async () => {
      const r = await runVigil(['events', '--data-dir', dataDir, '--type', 'exec', '--node', node, '--json', '-n', '2000']);
      const seen = r.stdout.split('\n').filter((l) => l.includes(token)).length;
      return seen >= EXECS + 2 ? true : undefined;
    });
    const now = await eventually('the shell alert counted', async () => {
      const t = await scrape();
      return shellAlerts(t) > shellAlerts(was) ? t : undefined;
    });
    assert.ok(stored(now) - stored(was) >= EXECS + 2, `exec events stored grew by ${stored(now) - stored(was)}, the test made ${EXECS + 2}`);
    assert.ok(kernelExecs(now) - kernelExecs(was) >= EXECS + 2, `kernel exec records grew by ${kernelExecs(now) - kernelExecs(was)}`);
    assert.equal(shellAlerts(now) - shellAlerts(was), 1, 'one shell, one alert');
    const kept = (t: string, type: string) => metric(t, 'vigil_sensor_kept_events_total', { node, type }) ?? 0;
    const afterExits = await eventually('the exits kept', async () => {
      const t = await scrape();
      return kept(t, 'exit') - kept(was, 'exit') >= EXECS + 2 ? t : undefined;
    });
    assert.ok(kept(afterExits, 'fork') - kept(was, 'fork') >= EXECS + 1, `forks kept grew by ${kept(afterExits, 'fork') - kept(was, 'fork')}`);
    assert.equal(metric(afterExits, 'vigil_controlplane_events_stored_total', { node, type: 'exit' }) ?? 0, 0, 'without --forward, no exit reaches the store');
    assert.ok((metric(now, 'vigil_sensor_container_lookups_total', { node }) ?? 0) >= 1, 'the container was looked up');
    assert.ok((metric(now, 'vigil_sensor_encodings_kept', { node, kind: 'container' }) ?? 0) >= 1, "the execs' cgroups' Container encodings are kept for their next events");
    const criCalls = await eventually('the CRI call timed', async () => {
      const n = metric(await scrape(), 'vigil_sensor_cri_request_seconds_count', { node }) ?? 0;
      return n > 0 ? n : undefined;
    });
    assert.ok(criCalls > 0);
    const ok = metric(await scrape(), 'vigil_sensor_cri_request_seconds_count', { node, code: 'OK' });
    assert.equal(ok, undefined, 'no runtime answers on that socket: no call succeeded');
    assert.ok((metric(now, 'vigil_controlplane_store_write_seconds_count', { op: 'batch' }) ?? 0) > 0, 'batch commits are timed');
    assert.ok((metric(now, 'vigil_controlplane_sensor_lag_seconds', { node }) ?? -1) >= 0, 'the node\'s lag is known');
  });

  test('a store that cannot write makes /readyz 503 with the reason, /healthz stays 200, and both recover', async () => {
    const wal = path.join(dataDir, 'vigil.db-wal');
    execFileSync('chattr', ['+i', wal]);
    try {
      const failing = await eventually('/readyz naming the store', async () => {
        const r = await get(port, '/readyz');
        return r.status === 503 && /^store: cannot write: /m.test(r.body) ? r : undefined;
      });
      assert.match(failing.body, /^store: cannot write: store write failed: .+$/m);
      assert.deepEqual(await get(port, '/healthz'), { status: 200, body: 'ok\n' }, 'the writer thread lives on');
      // A batch that arrives meanwhile cannot be committed: refused, counted, and resent later.
      await eventually('a batch refused for the store', async () => {
        await run('/bin/true', [uniqueToken()]);
        const n = metric((await get(port, '/metrics')).body, 'vigil_controlplane_batches_refused_total', { reason: 'store' }) ?? 0;
        return n > 0 ? n : undefined;
      });
    } finally {
      execFileSync('chattr', ['-i', wal]);
    }
    await eventually('/readyz 200 again', async () => ((await get(port, '/readyz')).status === 200 ? true : undefined));
  });

  test('a killed sensor makes /readyz 503 naming it, until vigil up has restarted it', async () => {
    const pgrep = await run('/usr/bin/pgrep', ['-f', `sensor --data-dir ${dataDir}`]);
    const [sensorPid] = pgrep.stdout.split('\n').filter(Boolean).map(Number);
    assert.ok(sensorPid > 0, 'the sensor child runs');
    process.kill(sensorPid, 'SIGKILL');
    const failing = await eventually('/readyz naming the sensor', async () => {
      const r = await get(port, '/readyz');
      return r.status === 503 && /^sensor: /m.test(r.body) ? r : undefined;
    });
    assert.match(failing.body, /^sensor: not answering on .*sensor-metrics\.sock .*not running, or restarting$/m);
    assert.equal((await get(port, '/healthz')).status, 200, 'vigil up itself is alive: a liveness probe must not kill it for a restarting sensor');
    await eventually('/readyz 200 after the restart', async () => ((await get(port, '/readyz')).status === 200 ? true : undefined), 60_000);
  });
});

describe('vigil sensor --metrics-listen, with its control plane away', kernelTestOptions(), () => {
  test('alive with its programs attached, not ready, naming the unreachable control plane; its own metrics', async () => {
    const dataDir = tempDir('vigil-metrics-sensor-');
    const tokenFile = path.join(dataDir, 'token');
    fs.writeFileSync(tokenFile, 'x'.repeat(64));
    const node = `metrics-alone-${process.pid}`;
    const sensor = startVigil(['sensor', '--data-dir', dataDir, '--node-name', node, '--controlplane', 'unix:///nonexistent/vigil.sock', '--token-file', tokenFile, '--metrics-listen', '127.0.0.1:0']);
    try {
      const port = await endpointPort(sensor);
      const notReady = await eventually('/readyz naming the control plane', async () => {
        const r = await get(port, '/readyz');
        return /unreachable/.test(r.body) ? r : undefined;
      });
      assert.equal(notReady.status, 503);
      assert.match(notReady.body, /^controlplane: control plane at unix:\/\/\/nonexistent\/vigil\.sock is unreachable/m);
      assert.deepEqual(await get(port, '/healthz'), { status: 200, body: 'ok\n' });
      const text = (await get(port, '/metrics')).body;
      assert.ok(metric(text, 'vigil_sensor_kernel_events_total', { node, hook: 'exec' }) !== undefined, 'kernel counters, per hook');
      assert.equal(metric(text, 'vigil_sensor_controlplane_connected', { node }), 0);
      assert.ok((metric(text, 'vigil_sensor_stream_failures_total', { node }) ?? 0) >= 1, 'the failed streams are counted');
    } finally {
      sensor.child.kill('SIGINT');
      assert.equal((await sensor.exited).code, 0, sensor.stderr());
    }
  });
});

describe('BPF attachment check', kernelTestOptions(), () => {
  test('passes while the programs are attached, fails naming the links once they are detached', async () => {
    const kernel = KernelSensor.start({ types: ['exec'] });
    const check = bpfAttachedCheck(kernel);
    try {
      assert.equal(check(), undefined);
    } finally {
      await kernel.stop();
    }
    assert.match(check() ?? '', /^0 of [1-9]\d* BPF program links held: programs were detached$/);
  });
});
