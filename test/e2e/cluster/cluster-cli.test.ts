/** `vigil cluster` and `vigil token create --from`: what is refused, and how it is said. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../../helpers/temp-dir';
import { runVigil, startVigil } from '../../helpers/vigil-cli';

describe('vigil cluster: its flags', { timeout: 60_000 }, () => {
  const tokenFile = path.join(tempDir('vigil-cluster-cli-'), 'reader.token');
  fs.writeFileSync(tokenFile, `${randomBytes(32).toString('hex')}\n`);

  test('the nodes are given one way: --nodes or --nodes-service', async () => {
    const none = await runVigil(['cluster', '--data-dir', tempDir(), '--node-token-file', tokenFile]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /say where the nodes are: --nodes HOST:PORT,\.\.\. or --nodes-service NAMESPACE\/NAME/);
    const both = await runVigil(['cluster', '--data-dir', tempDir(), '--node-token-file', tokenFile, '--nodes', '127.0.0.1:1', '--nodes-service', 'vigil/vigil-nodes']);
    assert.equal(both.code, 2);
  });

  test('a bad node address or Service is named', async () => {
    const bad = await runVigil(['cluster', '--data-dir', tempDir(), '--nodes', '127.0.0.1:1,node-b']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"node-b" is not HOST:PORT/);
    const svc = await runVigil(['cluster', '--data-dir', tempDir(), '--nodes-service', 'vigil-nodes']);
    assert.equal(svc.code, 2);
    assert.match(svc.stderr, /"vigil-nodes" is not NAMESPACE\/NAME/);
  });

  test('without a node credential or --node-insecure it does not start', async () => {
    const r = await runVigil(['cluster', '--data-dir', tempDir(), '--nodes', '127.0.0.1:1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--node-token-file \(a reader token\) or --node-tls-cert\/--node-tls-key \(a reader certificate\), or --node-insecure/);
  });

  test('--nodes-service outside a pod says so', async () => {
    const r = await runVigil(['cluster', '--data-dir', tempDir(), '--nodes-service', 'vigil/vigil-nodes', '--node-token-file', tokenFile]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /KUBERNETES_SERVICE_HOST is not set/);
  });

  test('the node token never goes in clear beyond loopback; the node is reported, the view runs on', async () => {
    const view = startVigil(['cluster', '--data-dir', tempDir(), '--nodes', '192.0.2.7:7443', '--node-token-file', tokenFile]);
    try {
      await view.waitFor(/node 192\.0\.2\.7:7443 unreachable: refusing to send the node token to 192\.0\.2\.7:7443 in clear: give --node-tls-ca/);
      assert.equal(view.child.exitCode, null);
    } finally {
      view.child.kill('SIGTERM');
      await view.exited;
    }
  });

  test('--node-insecure is said loudly', async () => {
    const view = startVigil(['cluster', '--data-dir', tempDir(), '--nodes', '127.0.0.1:1', '--node-insecure']);
    try {
      await view.waitFor(/WITHOUT TLS or credentials \(--node-insecure\)/);
    } finally {
      view.child.kill('SIGTERM');
      await view.exited;
    }
  });

  test('token create --from accepts a given token once, and refuses a short one', async () => {
    const dataDir = tempDir();
    const ok = await runVigil(['token', 'create', '--data-dir', dataDir, '--reader', 'cluster-view', '--from', tokenFile]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /credential 1 \(reader cluster-view\) accepts the token in/);
    const again = await runVigil(['token', 'create', '--data-dir', dataDir, '--reader', 'other', '--from', tokenFile]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /is already a credential here/);
    const short = path.join(tempDir(), 'short');
    fs.writeFileSync(short, 'abc\n');
    const r = await runVigil(['token', 'create', '--data-dir', dataDir, '--reader', 'x', '--from', short]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /must be 32 to 512 printable characters/);
  });
});
