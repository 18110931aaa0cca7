import assert from 'node:assert/strict';
import { test } from 'node:test';
import { container, createWorkload, podSpec } from '../../../../../controlplane/src/audit/audit-event-builder';
import { maliciousImageMatch } from '../../../../../controlplane/src/detections/rules/k8s-malicious-image';
import { forbidden, replica, ruleCases } from './k8s-rule-cases';

const running = (image: string, extra: object = {}) => createWorkload('Deployment', 'shop', 'worker', podSpec([{ ...container('w', image), ...extra }]));

ruleCases('k8s-malicious-image', {
  should: [
    ['xmrig from Docker Hub', running('xmrig/xmrig')],
    ['another account\'s xmrig, tagged', running('metal3d/xmrig:latest')],
    ['a miner proxy on another registry, by digest', running(`ghcr.io/someone/xmrig-proxy@sha256:${'a'.repeat(64)}`)],
    ['the registry\'s other spelling, upper case', running('INDEX.DOCKER.IO/XMRIG/XMRIG:6.21.0')],
    ['a renamed miner pointed at a pool', running('registry.example.com/tools/sysupdate:1', { args: ['-o', 'stratum+tcp://pool.example.net:3333', '-u', 'wallet'] })],
  ],
  shouldNot: [
    ['nginx', running('nginx:1.27')],
    ['a name that only starts like a miner\'s', running('someone/xmrigger:1')],
    ['a failed create', forbidden(running('xmrig/xmrig'))],
    ['the replicas its controller makes (the workload was judged)', replica(podSpec([container('w', 'xmrig/xmrig')]))],
  ],
});

test('image names are compared normalized', () => {
  assert.equal(maliciousImageMatch('docker.io/library/xmrig:1'), 'xmrig');
  assert.equal(maliciousImageMatch('quay.io/acme/web:1'), undefined);
});
