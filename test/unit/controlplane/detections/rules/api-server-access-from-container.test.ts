import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apiServerAccessFromContainer } from '../../../../../controlplane/src/detections/rules/api-server-access-from-container';
import { CONTAINER_ID, connectEvent, containerStarted, execEvent, fileEvent } from '../../../../helpers/synthetic-events';
import { contextAfter } from '../../../../helpers/rule-context';

const pod = { containerId: CONTAINER_ID, namespace: 'ops', pod: 'operator-1', podUid: 'u1', image: 'ghcr.io/acme/operator:2' };
const started = containerStarted(pod, { init_pid: 5000, kubernetes_service: '10.96.0.1:443' });
const manager = execEvent({ pid: 5000, nsPid: 1, filename: '/manager', argv: ['/manager', '--leader-elect'], containerId: CONTAINER_ID });
const running = [started, manager];

describe('rule api-server-access-from-container', () => {
  test('should trigger: a shell\'s curl reaching the kubernetes Service, a process the image does not run', () => {
    const curl = connectEvent('10.96.0.1', 443, { pid: 7000, nsPid: 40, exe: '/usr/bin/curl', argv: ['curl', '-k', 'https://10.96.0.1/api/v1/secrets'], containerId: CONTAINER_ID });
    const f = apiServerAccessFromContainer.match(curl, contextAfter(running, curl));
    assert.ok(f);
    assert.equal(f.fields?.image_programs, '/manager');
    const mapped = connectEvent('::ffff:10.96.0.1', 443, { pid: 7001, nsPid: 41, exe: '/tmp/x', containerId: CONTAINER_ID });
    assert.ok(apiServerAccessFromContainer.match(mapped, contextAfter(running, mapped)), 'IPv4-mapped');
  });

  test('should trigger: curl or a one-liner with the service-account token or the API URL', () => {
    for (const ev of [
      execEvent({ pid: 7100, nsPid: 50, filename: '/usr/bin/curl', argv: ['curl', '-H', 'Authorization: Bearer $(cat /var/run/secrets/kubernetes.io/serviceaccount/token)', 'https://kubernetes.default.svc/api/v1/namespaces'], containerId: CONTAINER_ID }),
      execEvent({ pid: 7101, nsPid: 51, filename: '/bin/sh', argv: ['sh', '-c', 'TOKEN=$(cat /run/secrets/kubernetes.io/serviceaccount/token); wget -qO- --header "Authorization: Bearer $TOKEN" https://$KUBERNETES_SERVICE_HOST/api/v1/pods'], containerId: CONTAINER_ID }),
      execEvent({ pid: 7102, nsPid: 52, filename: '/usr/bin/python3', argv: ['python3', '-c', 'import urllib.request;print(open("/var/run/secrets/kubernetes.io/serviceaccount/token").read())'], containerId: CONTAINER_ID }),
    ])
      assert.ok(apiServerAccessFromContainer.match(ev, contextAfter(running, ev)), ev.exec!.argv.join(' '));
  });

  test('says when the connecting process, or the shell around it, read the service-account token just before', () => {
    const read = fileEvent({}, { pid: 7200, ppid: 7199, containerId: CONTAINER_ID });
    const curl = connectEvent('10.96.0.1', 443, { pid: 7201, ppid: 7199, nsPid: 41, exe: '/usr/bin/curl', containerId: CONTAINER_ID });
    const f = apiServerAccessFromContainer.match(curl, contextAfter([...running, read], curl));
    assert.equal(f?.fields?.service_account_token_read, 'true');
    assert.match(f!.summary, /after reading its service-account token$/);
    const stranger = connectEvent('10.96.0.1', 443, { pid: 7301, ppid: 7300, nsPid: 42, exe: '/usr/bin/curl', containerId: CONTAINER_ID });
    assert.equal(apiServerAccessFromContainer.match(stranger, contextAfter([...running, read], stranger))?.fields?.service_account_token_read, 'false');
  });

  test('should not trigger: the operator\'s own program, other destinations, an image on the exception list, the host', () => {
    const own = connectEvent('10.96.0.1', 443, { pid: 5000, nsPid: 1, exe: '/manager', containerId: CONTAINER_ID });
    assert.equal(apiServerAccessFromContainer.match(own, contextAfter(running, own)), null);
    const ownChild = connectEvent('10.96.0.1', 443, { pid: 5100, nsPid: 30, exe: '/manager', containerId: CONTAINER_ID });
    assert.equal(apiServerAccessFromContainer.match(ownChild, contextAfter(running, ownChild)), null, 'a forked worker of the image program');
    const elsewhere = connectEvent('10.96.0.10', 53, { pid: 7000, nsPid: 40, exe: '/usr/bin/curl', containerId: CONTAINER_ID });
    assert.equal(apiServerAccessFromContainer.match(elsewhere, contextAfter(running, elsewhere)), null);
    const curl = connectEvent('10.96.0.1', 443, { pid: 7000, nsPid: 40, exe: '/usr/bin/curl', containerId: CONTAINER_ID, image: 'ghcr.io/acme/operator:2' });
    assert.equal(apiServerAccessFromContainer.match(curl, contextAfter(running, curl, { file: { lists: { api_client_images: ['ghcr.io/acme/operator:*'] }, rules: {}, intel: { feeds: [] } } })), null);
    const plain = execEvent({ pid: 7103, nsPid: 53, filename: '/usr/bin/curl', argv: ['curl', 'https://example.com/health'], containerId: CONTAINER_ID });
    assert.equal(apiServerAccessFromContainer.match(plain, contextAfter(running, plain)), null);
  });
});

describe('rule api-server-access-from-container: review finding 10', () => {
  const pyOperator = containerStarted(pod, { init_pid: 5000, kubernetes_service: '10.96.0.1:443' });
  const pyEntry = execEvent({ pid: 5000, nsPid: 1, filename: '/usr/local/bin/python3', argv: ['python3', '/app/operator.py'], containerId: CONTAINER_ID });
  const sh = (argv: string[], pid = 9100) => execEvent({ pid, nsPid: pid - 9000, filename: argv[0].startsWith('/') ? argv[0] : `/usr/bin/${argv[0]}`, argv, containerId: CONTAINER_ID });

  test('should not trigger: /api/v1/ URLs of other services, the entrypoint reading its token', () => {
    for (const ev of [
      sh(['/bin/sh', '-c', 'curl -fsS http://localhost:8080/api/v1/health']),
      sh(['wget', '-qO-', 'http://prometheus:9090/api/v1/query?query=up']),
      execEvent({ pid: 5000, nsPid: 1, filename: '/bin/sh', argv: ['sh', '-c', 'TOKEN=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token) exec /app'], containerId: CONTAINER_ID }),
    ])
      assert.equal(apiServerAccessFromContainer.match(ev, contextAfter(running, ev)), null, ev.exec!.argv.join(' '));
  });

  test('should trigger: the kubernetes names and variables, the Service address in a URL, a token read through a glob', () => {
    for (const ev of [
      sh(['/bin/sh', '-c', 'curl -sk -H "Authorization: Bearer $(cat /run/secrets/kubernetes.io/service*/token)" https://$KUBERNETES_PORT_443_TCP_ADDR/api/v1/secrets']),
      sh(['curl', '-k', 'https://kubernetes.default.svc.cluster.local/apis/apps/v1/deployments']),
      sh(['curl', '-k', 'https://10.96.0.1/api/v1/namespaces/kube-system/secrets']),
      sh(['wget', '-qO-', 'https://kubernetes:443/version']),
    ])
      assert.ok(apiServerAccessFromContainer.match(ev, contextAfter(running, ev)), ev.exec!.argv.join(' '));
  });

  test('should trigger: a one-liner with the same interpreter as the image\'s operator; should not: the operator\'s own script', () => {
    const attack = connectEvent('10.96.0.1', 443, { pid: 9000, nsPid: 50, exe: '/usr/local/bin/python3', argv: ['python3', '-c', 'from kubernetes import config,client;config.load_incluster_config();print(client.CoreV1Api().list_secret_for_all_namespaces())'], containerId: CONTAINER_ID });
    assert.ok(apiServerAccessFromContainer.match(attack, contextAfter([pyOperator, pyEntry], attack)));
    const worker = connectEvent('10.96.0.1', 443, { pid: 5001, nsPid: 2, exe: '/usr/local/bin/python3', argv: ['python3', '/app/operator.py'], containerId: CONTAINER_ID });
    assert.equal(apiServerAccessFromContainer.match(worker, contextAfter([pyOperator, pyEntry], worker)), null);
    const otherScript = connectEvent('10.96.0.1', 443, { pid: 9001, nsPid: 51, exe: '/usr/local/bin/python3', argv: ['python3', '/tmp/enum.py'], containerId: CONTAINER_ID });
    assert.ok(apiServerAccessFromContainer.match(otherScript, contextAfter([pyOperator, pyEntry], otherScript)));
  });

  test('should trigger: a connection to an API server endpoint the engine learned (no apiserver_endpoints configured)', () => {
    const curl = connectEvent('172.18.0.2', 6443, { pid: 9002, nsPid: 52, exe: '/usr/bin/curl', containerId: CONTAINER_ID });
    assert.equal(apiServerAccessFromContainer.match(curl, contextAfter(running, curl)), null);
    assert.ok(apiServerAccessFromContainer.match(curl, contextAfter(running, curl, { apiServerEndpoints: ['172.18.0.2:6443'] })));
  });
});
