import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import { NodePipeline } from '../../../sensor/src/node-pipeline';
import { TestCgroup } from '../../helpers/cgroup2';
import { TEST_IMAGE, TestContainerd, containerdTestOptions } from '../../helpers/containerd';
import { run, uniqueToken } from '../../helpers/processes';
import { tempDir } from '../../helpers/temp-dir';

describe('containers and pods, against real containerd', containerdTestOptions(), () => {
  let ctd: TestContainerd;
  let pipeline: NodePipeline;
  const events: Event__Output[] = [];
  const logs: string[] = [];

  /** Polls `seen` for the first event matching `pred`. */
  async function found(seen: Event__Output[], what: string, pred: (e: Event__Output) => boolean, ms = 10_000): Promise<Event__Output> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = seen.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms (${seen.length} events)`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const waitFor = (what: string, pred: (e: Event__Output) => boolean, ms?: number) => found(events, what, pred, ms);

  before(async () => {
    ctd = await TestContainerd.start();
    pipeline = new NodePipeline({ kernel: { flushMs: 10 }, criSocket: ctd.socket, log: (l) => logs.push(l), sink: (evs) => events.push(...evs) });
  });
  after(async () => {
    await pipeline.stop();
    await ctd.stop();
  });

  test('an exec inside a container carries container id, name, pod, namespace, image and ancestry', async () => {
    const pod = await ctd.runPod({ name: 'web', namespace: 'shop', command: ['/bin/sh', '-c', 'sleep 60'] });
    const token = uniqueToken();
    await ctd.exec(pod.containerId, ['/bin/sh', '-c', `/bin/echo ${token}; :`]);
    const ev = await waitFor('exec in the container', (e) => e.body === 'exec' && e.exec!.filename === '/bin/echo' && e.exec!.argv.includes(token));
    assert.equal(ev.container?.id, pod.containerId);
    assert.equal(ev.container?.name, 'app');
    assert.equal(ev.container?.pod_name, 'web');
    assert.equal(ev.container?.pod_namespace, 'shop');
    assert.equal(ev.container?.pod_uid, pod.uid);
    assert.equal(ev.container?.image, TEST_IMAGE);
    assert.equal(ev.container?.metadata_incomplete, false);
    assert.deepEqual(ev.ancestry[0].argv, ['/bin/sh', '-c', `/bin/echo ${token}; :`], 'the parent is the exec\'d shell');
    const started = await waitFor('ContainerStarted', (e) => e.body === 'container_started' && e.container?.id === pod.containerId);
    assert.equal(started.container_started?.details?.privileged, false);
    assert.ok((started.container_started?.details?.init_pid ?? 0) > 0);
  });

  test('a container that runs /bin/true and exits at once is fully attributed', async () => {
    const pod = await ctd.runPod({ name: 'blink', namespace: 'jobs', command: ['/bin/true'] });
    const ev = await waitFor('the container\'s exec', (e) => e.body === 'exec' && e.container?.id === pod.containerId && e.exec!.filename === '/bin/true');
    assert.equal(ev.container?.pod_name, 'blink');
    assert.equal(ev.container?.pod_namespace, 'jobs');
    assert.equal(ev.container?.image, TEST_IMAGE);
    assert.equal(ev.container?.metadata_incomplete, false);
    const exited = await waitFor('ContainerExited', (e) => e.body === 'container_exited' && e.container?.id === pod.containerId);
    assert.equal(exited.container_exited?.exit_code, 0);
    assert.equal(exited.container?.pod_name, 'blink');
    const fromIt = events.filter((e) => e.container?.id === pod.containerId && e.body !== 'container_started');
    assert.ok(fromIt.length > 0 && fromIt.every((e) => e.container?.pod_name === 'blink'), 'every event of the container is attributed');
  });

  test('a privileged pod\'s ContainerStarted says privileged; a hostPath mount is listed', async () => {
    const pod = await ctd.runPod({ name: 'agent', namespace: 'kube-system', command: ['/bin/sh', '-c', 'sleep 60'], privileged: true, hostPaths: [{ host: '/etc', container: '/host/etc', readonly: true }] });
    const started = await waitFor('ContainerStarted', (e) => e.body === 'container_started' && e.container?.id === pod.containerId);
    const d = started.container_started!.details!;
    assert.equal(d.privileged, true);
    assert.equal(d.host_network, true);
    assert.deepEqual(d.host_mounts.filter((m) => m.container_path === '/host/etc'), [{ host_path: '/etc', container_path: '/host/etc', readonly: true }]);
    assert.equal(started.container?.pod_namespace, 'kube-system');
  });

  test('host processes carry no container id', async () => {
    const token = uniqueToken();
    await run('/bin/true', [token]);
    const ev = await waitFor('host exec', (e) => e.body === 'exec' && e.exec!.argv.includes(token));
    assert.equal(ev.container?.id, '');
    assert.equal(ev.container?.pod_name, '');
    assert.equal(ev.container?.metadata_incomplete, false);
  });

  test('a container whose exit the sensor never saw ends when the runtime stops listing it', async () => {
    // This sensor traces no exits at all, so only the runtime can tell.
    const seen: Event__Output[] = [];
    const blind = new NodePipeline({ kernel: { flushMs: 10, types: ['exec', 'fork'] }, forward: ['exit'], criSocket: ctd.socket, metadata: { refreshMs: 200 }, log: () => undefined, sink: (evs) => seen.push(...evs) });
    try {
      const pod = await ctd.runPod({ name: 'short', namespace: 'jobs', command: ['/bin/sh', '-c', 'sleep 1; exit 3'] });
      const deadline = Date.now() + 15_000;
      let exited: Event__Output | undefined;
      while (!(exited = seen.find((e) => e.body === 'container_exited' && e.container?.id === pod.containerId)) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      assert.ok(exited, `no ContainerExited for ${pod.containerId.slice(0, 12)} among ${seen.length} events`);
      assert.equal(exited.container_exited?.exit_code, 3);
      assert.equal(exited.container?.pod_name, 'short');
      assert.equal(seen.filter((e) => e.body === 'exit').length, 0);
    } finally {
      await blind.stop();
    }
  });

  const startedBy = (id: string, source: string) => (e: Event__Output) => e.body === 'container_started' && e.container?.id === id && e.container_started?.details?.source === source;

  test('a pod first seen while the CRI is down is described from its OCI spec, then by the runtime as soon as it answers again', async () => {
    const token = uniqueToken();
    const pod = await ctd.runPod({ name: 'survivor', namespace: 'shop', labels: { app: 'survivor' }, env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, command: ['/bin/sh', '-c', `while :; do /bin/true ${token}; sleep 0.2; done`] });
    await ctd.killDaemon();
    const seen: Event__Output[] = [];
    const late = new NodePipeline({ kernel: { flushMs: 10 }, criSocket: ctd.socket, log: () => undefined, sink: (evs) => seen.push(...evs) });
    try {
      const started = await found(seen, 'a ContainerStarted from the spec', startedBy(pod.containerId, 'oci'));
      assert.equal(started.container?.pod_name, 'survivor');
      assert.equal(started.container?.pod_namespace, 'shop');
      assert.equal(started.container?.pod_uid, pod.uid);
      assert.equal(started.container?.name, 'app');
      const d = started.container_started!.details!;
      assert.equal(d.runtime_namespace, 'k8s.io');
      assert.equal(d.kubernetes_service, '10.96.0.1:443');
      assert.ok(d.capabilities.includes('CHOWN') && !d.capabilities.includes('SYS_ADMIN'), d.capabilities.join(','));
      assert.deepEqual(d.pod_labels, {}, 'what only the runtime knows is missing so far');
      const exec = seen.find((e) => e.body === 'exec' && e.container?.id === pod.containerId && e.exec!.argv.includes(token));
      assert.equal(exec?.container?.metadata_incomplete, false);

      await ctd.restartDaemon();
      const again = await found(seen, 'a ContainerStarted from the runtime once it is back', startedBy(pod.containerId, 'cri'), 5000);
      assert.equal(again.container_started?.details?.pod_labels.app, 'survivor');
      assert.equal(again.container?.image, TEST_IMAGE);
      assert.equal(again.time_unix_nano, started.time_unix_nano, 'it tells of the same start');
    } finally {
      await late.stop();
    }
  });

  test('containerd restarted between two pods: the second is described by the runtime, every event of it complete', async () => {
    // Through a five-second outage, containers the runtime will never know keep the sensor asking, as on a busy node.
    const cgroups: TestCgroup[] = [];
    try {
      await ctd.killDaemon();
      for (let i = 0; i < 10; i++) {
        const cgroup = new TestCgroup(`vigil-cri-restart-${process.pid}-${i}`, randomBytes(32).toString('hex'));
        cgroups.push(cgroup);
        await run('/bin/sh', ['-c', `echo $$ > ${cgroup.dir}/cgroup.procs && /bin/true`]);
        await new Promise((r) => setTimeout(r, 500));
      }
      await ctd.restartDaemon();
      const token = uniqueToken();
      const pod = await ctd.runPod({ name: 'after-upgrade', namespace: 'shop', command: ['/bin/sh', '-c', `/bin/true ${token}; sleep 30`] });
      const exec = await waitFor('the second pod\'s exec', (e) => e.body === 'exec' && e.container?.id === pod.containerId && e.exec!.argv.includes(token));
      assert.equal(exec.container?.metadata_incomplete, false);
      assert.equal(exec.container?.pod_name, 'after-upgrade');
      const started = await waitFor('its ContainerStarted', (e) => e.body === 'container_started' && e.container?.id === pod.containerId);
      assert.equal(started.container_started?.details?.source, 'cri', 'described by the runtime, not only from its spec');
      assert.ok(events.filter((e) => e.container?.id === pod.containerId).every((e) => !e.container?.metadata_incomplete));
    } finally {
      for (const c of cgroups) c.remove();
    }
  });

  test('a runtime whose socket appears after the sensor started is picked up, and what ran before is described by it', async () => {
    const dir = tempDir('vigil-late-socket-');
    const link = path.join(dir, 'containerd.sock');
    const lines: string[] = [];
    const seen: Event__Output[] = [];
    const token = uniqueToken();
    const pod = await ctd.runPod({ name: 'early', namespace: 'shop', labels: { tier: 'early' }, command: ['/bin/sh', '-c', `while :; do /bin/true ${token}; sleep 0.2; done`] });
    const late = new NodePipeline({ kernel: { flushMs: 10 }, criSocketCandidates: [link], log: (l) => lines.push(l), sink: (evs) => seen.push(...evs) });
    try {
      assert.ok(lines.some((l) => l.includes(`no CRI socket at ${link}`)), lines.join(' | '));
      await found(seen, 'a ContainerStarted from the spec', startedBy(pod.containerId, 'oci'));
      fs.symlinkSync(ctd.socket, link);
      const started = await found(seen, 'a ContainerStarted from the runtime', startedBy(pod.containerId, 'cri'), 5000);
      assert.equal(started.container_started?.details?.pod_labels.tier, 'early');
      assert.ok(lines.some((l) => /CRI socket .* appeared/.test(l)), lines.join(' | '));
    } finally {
      await late.stop();
    }
  });

  test('the runtime going away: a clear warning, events keep flowing flagged incomplete, none lost', async () => {
    await ctd.killDaemon();
    // A container the cache has never seen: its lookup now fails.
    const id = randomBytes(32).toString('hex');
    const cgroup = new TestCgroup(`vigil-cri-gone-${process.pid}`, id);
    try {
      const token = uniqueToken();
      const tokens = [0, 1, 2].map((i) => `${token}-${i}`);
      await run('/bin/sh', ['-c', `echo $$ > ${cgroup.dir}/cgroup.procs && for t in ${tokens.join(' ')}; do /bin/true $t; done`]);
      for (const t of tokens) {
        const ev = await waitFor(`exec ${t}`, (e) => e.body === 'exec' && e.exec!.argv.includes(t));
        assert.equal(ev.container?.id, id);
        assert.equal(ev.container?.metadata_incomplete, true);
        assert.equal(ev.container?.pod_name, '', 'never guessed');
      }
      assert.ok(logs.some((l) => /CRI socket .* is not answering/.test(l)), `no warning in: ${logs.join(' | ')}`);
    } finally {
      cgroup.remove();
    }
  });
});
