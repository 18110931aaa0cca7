/**
 * What the control plane knows of running containers outlives its own
 * restart: it is read back from the store, so rules that need it (the
 * container's API address, its entrypoint) judge the next events right.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';
import { TestSensorStream } from '../../helpers/grpc-clients';
import { CONTAINER_ID, connectEvent, containerStarted, execInPod, fileEvent } from '../../helpers/synthetic-events';
import { tempDir } from '../../helpers/temp-dir';

const pod = { containerId: CONTAINER_ID, namespace: 'ops', pod: 'operator-1', podUid: 'u1', image: 'ghcr.io/acme/operator:2' };

/** Streams `before` to a control plane, restarts it on the same store, streams `after`, and reads the second with `read`. */
async function acrossRestart<T>(node: string, before: Event__Output[], after: Event__Output[], read: (cp: TestControlPlane) => T): Promise<T> {
  const dataDir = tempDir('vigil-facts-');
  for (const [events, last] of [[before, false], [after, true]] as const) {
    const cp = await startTestControlPlane({ dataDir });
    try {
      const sensor = new TestSensorStream(cp.target, cp.token);
      const seq = await sensor.hello(node);
      await sensor.send(node, seq + 1n, events);
      sensor.close();
      if (last) return read(cp);
    } finally {
      await cp.stop();
    }
  }
  throw new Error('unreachable');
}

describe('container facts across a control-plane restart', { timeout: 30_000 }, () => {
  test('a connect to the API address learnt before the restart is judged after it', async () => {
    const byManager = connectEvent('10.96.0.1', 443, { pid: 5000, nsPid: 1, exe: '/manager', containerId: CONTAINER_ID });
    const byCurl = connectEvent('10.96.0.1', 443, { pid: 7000, nsPid: 30, exe: '/usr/bin/curl', containerId: CONTAINER_ID });
    const rules = await acrossRestart(
      'node-f',
      [containerStarted(pod, { init_pid: 5000, kubernetes_service: '10.96.0.1:443' }), execInPod(pod, { pid: 5000, nsPid: 1, filename: '/manager', argv: ['/manager'] })],
      [byManager, byCurl],
      (cp) => cp.query<{ rule_id: string; pid: number }>("SELECT rule_id, pid FROM alerts WHERE rule_id = 'api-server-access-from-container'"),
    );
    assert.deepEqual(rules, [{ rule_id: 'api-server-access-from-container', pid: 7000 }], 'the entrypoint is known, and so is the API address');
  });

  test("the programs an init started before the restart are still the image's after it: the app's token read is quiet, a shell's is raised", async () => {
    const tini = { pid: 5100, exe: '/sbin/tini', argv: ['tini', '--', '/app/server'], comm: 'tini' };
    const read = (pid: number, exe: string, ancestry: (typeof tini)[]) => {
      const ev = fileEvent({}, { pid, containerId: CONTAINER_ID });
      return { ...ev, process: { ...ev.process!, exe, argv: [exe], ns_pid: pid - 5094 }, ancestry };
    };
    const raised = await acrossRestart(
      'node-t',
      [
        containerStarted(pod, { init_pid: 5100 }),
        execInPod(pod, { pid: 5100, nsPid: 1, filename: '/sbin/tini', argv: tini.argv }),
        execInPod(pod, { pid: 5101, ppid: 5100, nsPid: 7, filename: '/app/server', argv: ['/app/server'], ancestry: [tini] }),
      ],
      [read(5101, '/app/server', [tini]), read(7100, '/bin/cat', [{ pid: 7099, exe: '/bin/sh', argv: ['sh'], comm: 'sh' }])],
      (cp) => cp.query<{ pid: number }>("SELECT pid FROM alerts WHERE rule_id = 'service-account-token-read'"),
    );
    assert.deepEqual(raised, [{ pid: 7100 }], 'the app under tini is the workload; cat from a shell is not');
  });
});
