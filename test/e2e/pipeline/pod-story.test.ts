import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { container, createWorkload, podSpec } from '../../../controlplane/src/audit/audit-event-builder';
import { startTestControlPlane } from '../../helpers/controlplane';
import { TestSensorStream } from '../../helpers/grpc-clients';
import { containerStarted, execInPod } from '../../helpers/synthetic-events';
import { tempDir } from '../../helpers/temp-dir';
import { runVigil } from '../../helpers/vigil-cli';

describe('one pod, from the audit log to the node', { timeout: 60_000 }, () => {
  test('audit and node alerts share the pod; containers and events are found by pod', async () => {
    const auditLog = path.join(tempDir('vigil-story-'), 'audit.log');
    const create = createWorkload('Pod', 'shop', 'web', podSpec([container('app', 'registry.example.com/web:1', { privileged: true })]));
    const podUid = (create.requestObject as { metadata: { uid: string } }).metadata.uid;
    fs.writeFileSync(auditLog, `${JSON.stringify(create)}\n`);
    const cp = await startTestControlPlane({ auditLog });
    const pod = { containerId: 'ab'.repeat(32), namespace: 'shop', pod: 'web', podUid };
    const sensor = new TestSensorStream(cp.target, cp.token);
    try {
      await sensor.hello('node-7');
      await sensor.send('node-7', 1n, [containerStarted(pod, { privileged: true, hostPaths: ['/var/run/docker.sock'] }), execInPod(pod, { pid: 900, ppid: 800, filename: '/bin/sh', argv: ['sh', '-c', 'id'], parentComm: 'php-fpm' })]);
      let alerts: { rule_id: string; namespace: string; pod: string; pod_uid: string; node_name: string }[] = [];
      for (let i = 0; i < 100 && alerts.length < 4; i++) {
        const r = await runVigil(['alerts', '--data-dir', cp.dataDir, '--pod', 'shop/web', '--json']);
        alerts = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
        if (alerts.length < 4) await new Promise((res) => setTimeout(res, 100));
      }
      assert.deepEqual(alerts.map((a) => a.rule_id).sort(), ['k8s-privileged-pod', 'privileged-container-started', 'sensitive-host-mount-started', 'shell-in-container']);
      for (const a of alerts) {
        assert.equal(a.namespace, 'shop');
        assert.equal(a.pod, 'web');
        assert.equal(a.pod_uid, podUid, `${a.rule_id} carries the pod uid`);
      }
      assert.deepEqual(alerts.map((a) => a.node_name).sort(), ['kubernetes', 'node-7', 'node-7', 'node-7']);

      const containers = await runVigil(['containers', '--data-dir', cp.dataDir, '--json']);
      const [c] = containers.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      assert.equal(c.node, 'node-7');
      assert.equal(c.container.pod_name, 'web');
      assert.equal(c.details.privileged, true);
      assert.deepEqual(c.details.host_mounts.map((m: { host_path: string }) => m.host_path), ['/var/run/docker.sock']);
      const table = await runVigil(['containers', '--data-dir', cp.dataDir]);
      assert.match(table.stdout, /abababababab\s+node-7\s+shop\/web\s+app\s+registry\.example\.com\/web:1\s+yes\s+running/);

      const events = await runVigil(['events', '--data-dir', cp.dataDir, '--pod', 'shop/web', '--type', 'exec']);
      assert.match(events.stdout, /exec\s+900\s+800\s+0 sh\s+shop\/web:app\s+\/bin\/sh \[sh -c id\] image=registry\.example\.com\/web:1/);
      const none = await runVigil(['events', '--data-dir', cp.dataDir, '--pod', 'shop/other', '--json']);
      assert.equal(none.stdout, '');
    } finally {
      sensor.close();
      await cp.stop();
    }
  });
});
