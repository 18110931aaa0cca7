import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clusterClientInContainer } from '../../../../../controlplane/src/detections/rules/cluster-client-in-container';
import { CONTAINER_ID, containerStarted, execInPod } from '../../../../helpers/synthetic-events';
import { chain, contextAfter, proc, ruleContext } from '../../../../helpers/rule-context';

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

describe('rule cluster-client-in-container: review findings 7 and 12', () => {
  const INIT = 5000;
  const facts = { facts: { initPid: INIT } };
  const ev = (pid: number, nsPid: number, filename: string, argv: string[], ancestry = chain(), image = app.image) => execInPod({ ...app, image }, { pid, nsPid, filename, argv, ancestry });

  test('should trigger (review 7): a renamed kubectl by its arguments, the dynamic loader, pid 1 of an unshared namespace', () => {
    for (const e of [
      ev(9410, 41, '/usr/local/bin/k', ['k', 'get', 'secrets', '-A']),
      ev(9411, 42, '/opt/bin/x', ['x', '--kubeconfig', '/tmp/kc', 'version']),
      ev(9412, 43, '/lib/ld-musl-x86_64.so.1', ['/lib/ld-musl-x86_64.so.1', '/tmp/kubectl', 'get', 'pods']),
      ev(9413, 1, '/usr/local/bin/kubectl', ['kubectl', 'get', 'secrets', '-A'], chain(proc(9399, '/usr/bin/python3', ['python3', 'x.py'], 'python3'))),
      ev(9414, 44, '/tmp/d', ['/tmp/d', '-H', 'unix:///var/run/docker.sock', 'ps']),
    ])
      assert.ok(clusterClientInContainer.match(e, ruleContext(facts)), e.exec!.argv.join(' '));
  });

  test('should not trigger (review 12): a Job\'s entrypoint script running kubectl, Argo CD\'s repo server running helm, a renamed program that is not a client', () => {
    const job = ev(5105, 2, '/opt/bitnami/kubectl/bin/kubectl', ['kubectl', 'apply', '-f', '/manifests'], chain(proc(INIT, '/bin/sh', ['/bin/sh', '-c', 'kubectl apply -f /manifests'], 'sh')));
    assert.equal(clusterClientInContainer.match(job, ruleContext(facts)), null);
    const argo = ev(5106, 40, '/usr/local/bin/helm', ['helm', 'template', '.', '--name-template', 'app'], chain(proc(INIT, '/usr/local/bin/argocd-repo-server', ['/usr/local/bin/argocd-repo-server'], 'argocd-repo-se')), 'quay.io/argoproj/argocd:v2.11.0');
    assert.equal(clusterClientInContainer.match(argo, ruleContext(facts)), null);
    assert.equal(clusterClientInContainer.match(ev(9415, 45, '/usr/local/bin/app', ['app', 'get', 'config']), ruleContext(facts)), null);
  });
});
