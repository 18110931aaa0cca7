/**
 * A CLI client reaching a control plane over TLS by address: no warning the
 * user can do nothing about (grpc-js names an IP in TLS's server name, and
 * Node.js warns with DEP0123), and a refused certificate is reported as
 * what it is, not as a control plane that may not be running.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { freePort } from '../../helpers/free-port';
import { tempDir } from '../../helpers/temp-dir';
import { makeTestPki } from '../../helpers/test-pki';
import { runVigil, startVigil, stopAll, type LiveCommand } from '../../helpers/vigil-cli';

describe('vigil alerts to a control plane over TLS', { timeout: 60_000 }, () => {
  const running: LiveCommand[] = [];
  after(() => stopAll(running));

  test('by IP address: lists, and prints no deprecation warning; a name or CA the certificate does not match is named as such', async () => {
    const pki = makeTestPki(['127.0.0.1']);
    const port = await freePort();
    const dataDir = tempDir('vigil-tls-client-');
    const cp = startVigil(['controlplane', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey]);
    running.push(cp);
    await cp.waitFor(/listening on/);
    const token = path.join(dataDir, 'token');

    const byIp = await runVigil(['alerts', '--controlplane', `127.0.0.1:${port}`, '--tls-ca', pki.ca, '--token-file', token]);
    assert.equal(byIp.code, 0, byIp.stderr);
    assert.match(byIp.stdout, /SEVERITY\s+RULE/);
    assert.equal(byIp.stderr, '');

    const byName = await runVigil(['alerts', '--controlplane', `localhost:${port}`, '--tls-ca', pki.ca, '--token-file', token]);
    assert.equal(byName.code, 1);
    assert.match(byName.stderr, new RegExp(`^vigil: control plane at localhost:${port} answered with a certificate for other names \\(.*localhost.*\\): reach it by a name or address its certificate holds`));
    assert.doesNotMatch(byName.stderr, /is it running/);

    const otherCa = makeTestPki(['127.0.0.1']);
    const untrusted = await runVigil(['alerts', '--controlplane', `127.0.0.1:${port}`, '--tls-ca', otherCa.ca, '--token-file', token]);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, new RegExp(`^vigil: control plane at 127\\.0\\.0\\.1:${port} answered with a certificate this client does not trust \\(.+\\): give the CA that signed it with --tls-ca`));
  });

  test('only DEP0123 is kept quiet: every other warning is still printed', () => {
    const module = path.resolve(__dirname, '..', '..', '..', 'proto', 'client-connection.js');
    const script = `
      const { channelCredentials } = require(${JSON.stringify(module)});
      channelCredentials({ target: '[::1]:7443', tls: {} });
      process.emitWarning('servername is an IP', 'DeprecationWarning', 'DEP0123');
      process.emitWarning('something else', 'DeprecationWarning', 'DEP0999');
      process.emitWarning('a plain warning');`;
    const { stderr, status } = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(status, 0, stderr);
    assert.doesNotMatch(stderr, /servername is an IP|DEP0123/);
    assert.match(stderr, /\[DEP0999\] DeprecationWarning: something else/);
    assert.match(stderr, /Warning: a plain warning/);
  });
});
