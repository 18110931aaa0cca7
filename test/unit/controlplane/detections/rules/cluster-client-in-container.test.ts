import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clusterClientInContainer } from '../../../../../controlplane/src/detections/rules/cluster-client-in-container';
import { CONTAINER_ID, containerStarted, execInPod } from '../../../../helpers/synthetic-events';
import { contextAfter } from '../../../../helpers/rule-context';

const app = { containerId: CONTAINER_ID, namespace: 'shop', pod: 'web-1', podUid: 'u', image: 'registry.example.com/web:1' };
const started = containerStarted(app, { init_pid: 5000 });

describe('rule cluster-client-in-container', () => {
  test('should trigger: kubectl, crictl, docker, ctr run into a workload, also renamed into place by argv', () => {
    for (const [filename, argv] of [
      ['/tmp/kubectl', ['/tmp/kubectl', 'get', 'secrets', '-A']],
      ['/usr/local/bin/crictl', ['crictl', '--runtime-endpoint', 'unix:///host/run/containerd/containerd.sock', 'ps']],
      ['/usr/bin/docker', ['docker', '-H', 'unix:///var/run/docker.sock', 'run', '--privileged', 'alpine']],
      ['/usr/bin/ctr', ['ctr', '-n', 'k8s.io', 'containers', 'ls']],
      ['/usr/local/bin/helm', ['helm', 'list', '-A']],
    ] as const) {
      const ev = execInPod(app, { pid: 7000, nsPid: 40, filename, argv: [...argv] });
      assert.ok(clusterClientInContainer.match(ev, contextAfter([started], ev)), filename);
    }
  });

  test('should not trigger: a kubectl Job whose entrypoint is kubectl, an exception-listed image, the host', () => {
    const job = execInPod({ ...app, image: 'bitnami/kubectl:1.30' }, { pid: 5000, nsPid: 1, filename: '/opt/bitnami/kubectl/bin/kubectl', argv: ['kubectl', 'rollout', 'restart', 'deploy/web'] });
    assert.equal(clusterClientInContainer.match(job, contextAfter([started], job)), null);
    const listed = execInPod({ ...app, image: 'ghcr.io/acme/ci-runner:3' }, { pid: 7000, nsPid: 40, filename: '/usr/bin/kubectl', argv: ['kubectl', 'apply', '-f', 'x'] });
    assert.equal(clusterClientInContainer.match(listed, contextAfter([started], listed, { file: { lists: { api_client_images: ['ghcr.io/acme/ci-runner:*'] }, rules: {}, intel: { feeds: [] } } })), null);
  });
});
