/**
 * What the control plane knows of running containers outlives its own
 * restart: it is read back from the store, so rules that need it (the
 * container's API address, its entrypoint) judge the next events right.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestControlPlane } from '../../helpers/controlplane';
import { TestSensorStream } from '../../helpers/grpc-clients';
import { CONTAINER_ID, connectEvent, containerStarted, execInPod } from '../../helpers/synthetic-events';
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
});
