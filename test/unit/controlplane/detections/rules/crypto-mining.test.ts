import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cryptoMining } from '../../../../../controlplane/src/detections/rules/crypto-mining';
import { CONTAINER_ID, connectEvent, execEvent } from '../../../../helpers/synthetic-events';
import { ruleContext } from '../../../../helpers/rule-context';

describe('rule crypto-mining', () => {
  test('should trigger: known miners, renamed miners by their arguments, pool ports from containers', () => {
    for (const ev of [
      execEvent({ filename: '/tmp/xmrig', argv: ['./xmrig', '-o', 'pool.supportxmr.com:443', '-u', '4A...', '--tls'], containerId: CONTAINER_ID }),
      execEvent({ filename: '/usr/local/bin/xmrig-6.21.0', argv: ['xmrig-6.21.0'], containerId: CONTAINER_ID }),
      execEvent({ filename: '/dev/shm/kworkerds', argv: ['kworkerds', '-o', 'stratum+tcp://45.9.148.35:3333', '-u', 'x', '-p', 'x'] }),
      execEvent({ filename: '/tmp/.sys', argv: ['.sys', '--donate-level=1', '--cpu-max-threads-hint=75'], containerId: CONTAINER_ID }),
      execEvent({ filename: '/tmp/kdevtmpfsi', argv: ['/tmp/kdevtmpfsi'], containerId: CONTAINER_ID }),
      execEvent({ filename: '/usr/bin/cpuminer', argv: ['cpuminer', '-a', 'cryptonight', '-o', 'stratum+ssl://xmrpool.eu:9999'] }),
      connectEvent('45.9.148.35', 3333, { containerId: CONTAINER_ID }),
      connectEvent('::ffff:45.9.148.35', 14444, { containerId: CONTAINER_ID }),
    ])
      assert.ok(cryptoMining.match(ev, ruleContext()), ev.exec?.argv.join(' ') ?? ev.connect?.destination?.address);
  });

  test('should not trigger: pool ports on private addresses or from the host, ordinary programs', () => {
    for (const ev of [
      connectEvent('10.0.3.4', 3333, { containerId: CONTAINER_ID }),
      connectEvent('45.9.148.35', 3333),
      connectEvent('45.9.148.35', 443, { containerId: CONTAINER_ID }),
      execEvent({ filename: '/usr/bin/redis-server', argv: ['redis-server', '--port', '7777'], containerId: CONTAINER_ID }),
      execEvent({ filename: '/usr/bin/python3', argv: ['python3', 'train.py', '--algo', 'adam'], containerId: CONTAINER_ID }),
    ])
      assert.equal(cryptoMining.match(ev, ruleContext()), null, ev.exec?.argv.join(' ') ?? ev.connect?.destination?.address);
  });
});
