import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { parseMetricsAddress, metricsSettings } from '../../../proto/metrics-flags';
import { tempDir } from '../../helpers/temp-dir';
import { runVigil } from '../../helpers/vigil-cli';

describe('metrics flags', () => {
  test('--metrics-listen takes HOST:PORT or unix:///absolute/path, nothing else', () => {
    assert.deepEqual(parseMetricsAddress('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parseMetricsAddress('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseMetricsAddress('unix:///run/vigil/metrics.sock'), { socket: '/run/vigil/metrics.sock' });
    for (const bad of ['9464', 'localhost', '127.0.0.1:99999', 'http://127.0.0.1:9464', 'unix://relative.sock', ''])
      assert.throws(() => parseMetricsAddress(bad), { name: 'InvalidArgumentError', message: /not HOST:PORT|not unix:\/\/\/absolute\/path/ }, bad);
  });

  test('off by default; off loopback it needs a token file or --metrics-insecure; the flags must fit together', () => {
    assert.equal(metricsSettings({}), undefined);
    assert.deepEqual(metricsSettings({ metricsListen: { host: '127.0.0.1', port: 9464 } }), { listen: { host: '127.0.0.1', port: 9464 }, token: undefined });
    assert.throws(() => metricsSettings({ metricsListen: { host: '0.0.0.0', port: 9464 } }), { code: 'INVALID_ARGUMENT', message: /refusing to serve \/metrics on 0\.0\.0\.0:9464.*--metrics-token-file.*--metrics-insecure/ });
    assert.deepEqual(metricsSettings({ metricsListen: { host: '0.0.0.0', port: 9464 }, metricsInsecure: true }), { listen: { host: '0.0.0.0', port: 9464 }, token: undefined });
    const dir = tempDir();
    const tokenFile = path.join(dir, 'metrics.token');
    fs.writeFileSync(tokenFile, 'abc123\n');
    assert.deepEqual(metricsSettings({ metricsListen: { host: '10.1.2.3', port: 9464 }, metricsTokenFile: tokenFile }), { listen: { host: '10.1.2.3', port: 9464 }, token: 'abc123' });
    assert.deepEqual(metricsSettings({ metricsListen: { host: '127.0.0.1', port: 9464 }, metricsTokenFile: tokenFile }), { listen: { host: '127.0.0.1', port: 9464 }, token: 'abc123' }, 'a token guards loopback too');
    fs.writeFileSync(tokenFile, '\n');
    assert.throws(() => metricsSettings({ metricsListen: { host: '10.1.2.3', port: 9464 }, metricsTokenFile: tokenFile }), { code: 'INVALID_ARGUMENT', message: /is empty/ });
    assert.throws(() => metricsSettings({ metricsListen: { host: '10.1.2.3', port: 9464 }, metricsTokenFile: path.join(dir, 'missing') }), { code: 'INVALID_ARGUMENT', message: /read --metrics-token-file .*missing: ENOENT/ });
    assert.throws(() => metricsSettings({ metricsTokenFile: tokenFile }), { code: 'INVALID_ARGUMENT', message: /go with --metrics-listen/ });
    assert.throws(() => metricsSettings({ metricsListen: { host: '10.1.2.3', port: 1 }, metricsTokenFile: tokenFile, metricsInsecure: true }), { code: 'INVALID_ARGUMENT', message: /contradict/ });
  });

  test('vigil up, controlplane and sensor refuse bad metrics flags with one line and exit status 2, before starting anything', async () => {
    for (const [args, why] of [
      [['controlplane', '--metrics-listen', 'nowhere'], /"nowhere" is not HOST:PORT/],
      [['up', '--metrics-listen', '0.0.0.0:9464'], /refusing to serve \/metrics on 0\.0\.0\.0:9464/],
      [['sensor', '--metrics-listen', '192.0.2.1:9464', '--token-file', '/etc/hostname'], /refusing to serve \/metrics on 192\.0\.2\.1:9464/],
      [['controlplane', '--metrics-insecure'], /go with --metrics-listen/],
    ] as const) {
      const dataDir = tempDir();
      const r = await runVigil([...args, '--data-dir', dataDir]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, why);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.deepEqual(fs.readdirSync(dataDir), [], 'nothing was started');
    }
  });
});
