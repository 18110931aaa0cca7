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

describe('rule crypto-mining: review findings 15 and 16', () => {
  test('should not trigger (review 15): zpool caches, cp -a, the argon2 tool, a script named after a pool', () => {
    for (const argv of [['/sbin/zpool', 'import', '-c', '/etc/zfs/zpool.cache', '-aN'], ['cp', '-a', 'cn/', 'dist/'], ['argon2', 'salt', '-a', 'argon2'], ['python3', '/opt/nicehash.py']])
      assert.equal(cryptoMining.match(execEvent({ filename: argv[0], argv, containerId: CONTAINER_ID }), ruleContext()), null, argv.join(' '));
  });
  test('should trigger (review 15): pool hosts with a port or URL, an algorithm with a pool, renamed by version', () => {
    for (const argv of [['/tmp/x', '-o', 'zpool.ca:3333', '-u', 'w'], ['/tmp/x', '--url=gulf.moneroocean.stream:10128'], ['/tmp/x', '-a', 'rx/0', '-o', '198.51.100.7:443', '-u', 'w'], ['/tmp/x', '--rig-id', 'a', '-o', 'h:1'], ['/usr/local/bin/xmrig2', '-o', '198.51.100.7:443']])
      assert.ok(cryptoMining.match(execEvent({ filename: argv[0], argv, containerId: CONTAINER_ID }), ruleContext()), argv.join(' '));
  });
  test('should trigger (review 16): a NAT64 or 6to4 address carrying a public IPv4 on a pool port', () => {
    for (const a of ['64:ff9b::2d09:9407', '64:ff9b::45.9.148.7', '2002:2d09:9407::1']) {
      const f = cryptoMining.match(connectEvent(a, 3333, { containerId: CONTAINER_ID }), ruleContext());
      assert.equal(f?.fields?.destination, '45.9.148.7:3333', a);
    }
    assert.equal(cryptoMining.match(connectEvent('64:ff9b::a00:5', 3333, { containerId: CONTAINER_ID }), ruleContext()), null, 'NAT64 of a private address');
  });
});
