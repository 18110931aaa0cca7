/**
 * What the control plane knows of running containers outlives its own
 * restart: it is read back from the store, so rules that need it (the
 * container's API address, its entrypoint) judge the next events right.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestControlPlane } from '../../helpers/controlplane';
import { TestSensorStream } from '../../helpers/grpc-clients';
import { CONTAINER_ID, connectEvent, containerStarted, execInPod, fileEvent } from '../../helpers/synthetic-events';
import { tempDir } from '../../helpers/temp-dir';

const pod = { containerId: CONTAINER_ID, namespace: 'ops', pod: 'operator-1', podUid: 'u1', image: 'ghcr.io/acme/operator:2' };

describe('container facts across a control-plane restart', { timeout: 30_000 }, () => {
  test('a connect to the API address learnt before the restart is judged after it', async () => {
    const dataDir = tempDir('vigil-facts-');
    const first = await startTestControlPlane({ dataDir });
    let sensor = new TestSensorStream(first.target, first.token);
    let seq = await sensor.hello('node-f');
    await sensor.send('node-f', ++seq, [containerStarted(pod, { init_pid: 5000, kubernetes_service: '10.96.0.1:443' }), execInPod(pod, { pid: 5000, nsPid: 1, filename: '/manager', argv: ['/manager'] })]);
    sensor.close();
    await first.stop();

    const second = await startTestControlPlane({ dataDir });
    try {
      sensor = new TestSensorStream(second.target, second.token);
      seq = await sensor.hello('node-f');
      const byManager = connectEvent('10.96.0.1', 443, { pid: 5000, nsPid: 1, exe: '/manager', containerId: CONTAINER_ID });
      const byCurl = connectEvent('10.96.0.1', 443, { pid: 7000, nsPid: 30, exe: '/usr/bin/curl', containerId: CONTAINER_ID });
      await sensor.send('node-f', ++seq, [byManager, byCurl]);
      const rules = second.query<{ rule_id: string; pid: number }>("SELECT rule_id, pid FROM alerts WHERE rule_id = 'api-server-access-from-container'");
      assert.deepEqual(rules, [{ rule_id: 'api-server-access-from-container', pid: 7000 }], 'the entrypoint is known, and so is the API address');
      sensor.close();
    } finally {
      await second.stop();
    }
  });

  test("the programs an init started before the restart are still the image's after it: the app's token read is quiet, a shell's is raised", async () => {
    const dataDir = tempDir('vigil-facts-');
    const first = await startTestControlPlane({ dataDir });
    let sensor = new TestSensorStream(first.target, first.token);
    let seq = await sensor.hello('node-t');
    const tini = { pid: 5100, exe: '/sbin/tini', argv: ['tini', '--', '/app/server'], comm: 'tini' };
    await sensor.send('node-t', ++seq, [
      containerStarted(pod, { init_pid: 5100 }),
      execInPod(pod, { pid: 5100, nsPid: 1, filename: '/sbin/tini', argv: tini.argv }),
      execInPod(pod, { pid: 5101, ppid: 5100, nsPid: 7, filename: '/app/server', argv: ['/app/server'], ancestry: [tini] }),
    ]);
    sensor.close();
    await first.stop();

    const second = await startTestControlPlane({ dataDir });
    try {
      sensor = new TestSensorStream(second.target, second.token);
      seq = await sensor.hello('node-t');
      const read = (pid: number, exe: string, ancestry: (typeof tini)[]) => {
        const ev = fileEvent({}, { pid, containerId: CONTAINER_ID });
        return { ...ev, process: { ...ev.process!, exe, argv: [exe], ns_pid: pid - 5094 }, ancestry };
      };
      await sensor.send('node-t', ++seq, [read(5101, '/app/server', [tini]), read(7100, '/bin/cat', [{ pid: 7099, exe: '/bin/sh', argv: ['sh'], comm: 'sh' }])]);
      const raised = second.query<{ pid: number }>("SELECT pid FROM alerts WHERE rule_id = 'service-account-token-read'");
      assert.deepEqual(raised, [{ pid: 7100 }], "the app under tini is the workload; cat from a shell is not");
      sensor.close();
    } finally {
      await second.stop();
    }
  });
});
