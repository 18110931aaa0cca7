/**
 * Who may do what: per-node sensor credentials (tokens the control plane
 * issues and keeps hashed, or certificates naming the node), readers and
 * audit senders as separate roles, revocation, and node names checked
 * where they are set and at the door.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';
import { TestSensorStream, metadataWith, queryClient, subscribeAlerts } from '../../helpers/grpc-clients';
import { execEvent } from '../../helpers/synthetic-events';
import { tempDir } from '../../helpers/temp-dir';
import { makeTestPki } from '../../helpers/test-pki';
import { runVigil, startVigil } from '../../helpers/vigil-cli';

async function tokenFor(dataDir: string, ...args: string[]): Promise<string> {
  const r = await runVigil(['token', 'create', '--data-dir', dataDir, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

function listAlerts(target: string, md: grpc.Metadata, creds = grpc.credentials.createInsecure()): Promise<number> {
  const q = queryClient(target, creds);
  return new Promise<number>((resolve, reject) => q.ListAlerts({ page_size: 10 }, md, (err, res) => (err ? reject(err) : resolve(res!.alerts.length)))).finally(() => q.close());
}

describe('identities and roles', { timeout: 90_000 }, () => {
  let cp: TestControlPlane;
  before(async () => (cp = await startTestControlPlane()));
  after(() => cp.stop());

  test('a node\'s token sends that node\'s events only, and reads nothing', async () => {
    const token = await tokenFor(cp.dataDir, '--node', 'node-a');
    assert.match(token, /^vgl_sensor_/);
    const ok = new TestSensorStream(cp.target, token);
    await ok.hello('node-a');
    assert.equal((await ok.send('node-a', 1n, [execEvent({ pid: 10 })])).duplicate, false);
    ok.close();
    const other = new TestSensorStream(cp.target, token);
    other.call.write({ hello: { node_name: 'node-b', sensor_version: 'x', resume_from_seq: '0' } });
    const err = await other.failure();
    assert.equal(err.code, grpc.status.PERMISSION_DENIED);
    assert.match(err.details, /credential of node node-a cannot send for node node-b/);
    other.close();
    await assert.rejects(listAlerts(cp.target, metadataWith(token)), (e: grpc.ServiceError) => e.code === grpc.status.PERMISSION_DENIED && /sensor credential \(node-a\) cannot read/.test(e.details));
    assert.equal(cp.query<{ n: number }>("SELECT count(*) AS n FROM nodes WHERE name = 'node-b'")[0].n, 0);
  });

  test('a reader\'s token reads, follows the alert stream, and cannot send events', async () => {
    const token = await tokenFor(cp.dataDir, '--reader', 'ops-team');
    assert.equal(await listAlerts(cp.target, metadataWith(token)) >= 0, true);
    const sub = subscribeAlerts(cp.target, token, { after_id: '0' });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(sub.error(), undefined);
    sub.close();
    const s = new TestSensorStream(cp.target, token);
    s.call.write({ hello: { node_name: 'node-a', sensor_version: 'x', resume_from_seq: '0' } });
    assert.equal((await s.failure()).code, grpc.status.PERMISSION_DENIED);
    s.close();
  });

  test('revoked credentials are refused from the next call; the store keeps only hashes', async () => {
    const token = await tokenFor(cp.dataDir, '--reader', 'temp');
    const list = await runVigil(['token', 'list', '--json', '--data-dir', cp.dataDir]);
    const row = list.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((r) => r.name === 'temp');
    assert.equal(row.role, 'reader');
    assert.equal(row.revoked_us, null);
    const revoke = await runVigil(['token', 'revoke', String(row.id), '--data-dir', cp.dataDir]);
    assert.equal(revoke.code, 0, revoke.stderr);
    await assert.rejects(listAlerts(cp.target, metadataWith(token)), (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED);
    const again = await runVigil(['token', 'revoke', String(row.id), '--data-dir', cp.dataDir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /no live credential/);
    const db = fs.readFileSync(path.join(cp.dataDir, 'vigil.db'));
    const wal = fs.existsSync(path.join(cp.dataDir, 'vigil.db-wal')) ? fs.readFileSync(path.join(cp.dataDir, 'vigil.db-wal')) : Buffer.alloc(0);
    assert.equal(db.includes(token) || wal.includes(token), false, 'the token itself is not stored');
  });

  test('token create: one role at a time, node names checked, --out written 0600', async () => {
    const dir = tempDir('vigil-tok-');
    const both = await runVigil(['token', 'create', '--data-dir', cp.dataDir, '--node', 'n1', '--reader', 'r']);
    assert.equal(both.code, 2);
    const badNode = await runVigil(['token', 'create', '--data-dir', cp.dataDir, '--node', 'Node_1']);
    assert.equal(badNode.code, 2);
    assert.match(badNode.stderr, /upper-case letters|RFC 1123/);
    const out = path.join(dir, 'n1.token');
    const r = await runVigil(['token', 'create', '--data-dir', cp.dataDir, '--node', 'n1', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.statSync(out).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(out, 'utf8'), /^vgl_sensor_\S+\n$/);
  });

  test('node names are checked where they are set (exit 2, the rule named) and again at hello', async () => {
    for (const cmd of [['sensor', '--node-name', 'Bad_Name'], ['up', '--node-name', 'web..1']]) {
      const r = await runVigil([...cmd, '--data-dir', tempDir('vigil-nn-')]);
      assert.equal(r.code, 2, `${cmd.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /RFC 1123|upper-case|empty label/);
    }
    const s = new TestSensorStream(cp.target, cp.token);
    s.call.write({ hello: { node_name: 'UPPER', sensor_version: 'x', resume_from_seq: '0' } });
    const err = await s.failure();
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err.details, /upper-case/);
    s.close();
  });

  test('certificates from vigil certs: the role is in O, the node in CN; keys are 0600', async () => {
    const pki = makeTestPki();
    for (const f of fs.readdirSync(pki.dir).filter((n) => n.endsWith('.key'))) assert.equal(fs.statSync(path.join(pki.dir, f)).mode & 0o777, 0o600, f);
    const tls = await startTestControlPlane({ listen: '127.0.0.1:0', tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca } });
    try {
      const target = `localhost:${tls.tcpPort}`;
      const creds = (c: { cert: string; key: string }) => grpc.credentials.createSsl(fs.readFileSync(pki.ca), fs.readFileSync(c.key), fs.readFileSync(c.cert));
      const nodeA = creds(pki.issue('sensor', 'node-a'));
      const s = new TestSensorStream(target, undefined, nodeA);
      await s.hello('node-a');
      s.close();
      const b = new TestSensorStream(target, undefined, nodeA);
      b.call.write({ hello: { node_name: 'node-b', sensor_version: 'x', resume_from_seq: '0' } });
      assert.equal((await b.failure()).code, grpc.status.PERMISSION_DENIED);
      b.close();
      const reader = creds(pki.issue('reader', 'ops'));
      assert.ok((await listAlerts(target, new grpc.Metadata(), reader)) >= 0);
      const r = new TestSensorStream(target, undefined, reader);
      r.call.write({ hello: { node_name: 'node-a', sensor_version: 'x', resume_from_seq: '0' } });
      assert.equal((await r.failure()).code, grpc.status.PERMISSION_DENIED);
      r.close();
      // The audit webhook's client certificate reads nothing.
      await assert.rejects(listAlerts(target, new grpc.Metadata(), creds({ cert: pki.clientCert, key: pki.clientKey })), (e: grpc.ServiceError) => e.code === grpc.status.PERMISSION_DENIED);
      const again = await runVigil(['certs', 'issue', '--dir', pki.dir, '--node', 'node-a']);
      assert.equal(again.code, 2, 'an existing certificate is not replaced');
      assert.match(again.stderr, /already exist/);
    } finally {
      await tls.stop();
    }
  });

  test('the README\'s several-node setup, as written: certs, a node token, a sensor over TLS', kernelTestOptions(), async () => {
    const pki = path.join(tempDir('vigil-pki-'), 'pki');
    assert.equal((await runVigil(['certs', 'init', '--dir', pki, '--host', 'localhost'])).code, 0);
    const dataDir = tempDir('vigil-multi-');
    const cp = startVigil(['controlplane', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--tls-cert', `${pki}/server.crt`, '--tls-key', `${pki}/server.key`]);
    let sensor: ReturnType<typeof startVigil> | undefined;
    try {
      await cp.waitFor(/listening on .* and 127\.0\.0\.1:\d+ \(TLS\)/);
      const port = /127\.0\.0\.1:(\d+)/.exec(cp.stderr())![1];
      const tokenFile = path.join(tempDir(), 'node-a.token');
      assert.equal((await runVigil(['token', 'create', '--data-dir', dataDir, '--node', 'node-a', '--out', tokenFile])).code, 0);
      sensor = startVigil(['sensor', '--node-name', 'node-a', '--data-dir', tempDir('vigil-node-a-'), '--controlplane', `localhost:${port}`, '--tls-ca', `${pki}/ca.crt`, '--token-file', tokenFile]);
      await sensor.waitFor(/streaming/);
      const marker = `multi-node-${process.pid}`;
      const deadline = Date.now() + 20_000;
      let found = '';
      while (!found.includes(marker) && Date.now() < deadline) {
        spawnSync('/bin/true', [marker]);
        found = (await runVigil(['events', '--data-dir', dataDir, '--type', 'exec', '--node', 'node-a', '-n', '1000'])).stdout;
        await new Promise((r) => setTimeout(r, 300));
      }
      assert.match(found, new RegExp(marker), 'the node\'s exec reached the store over TLS with its token');
      // A reader follows alerts over the same listener; with a sensor's token it may not.
      const readerFile = path.join(tempDir(), 'reader.token');
      assert.equal((await runVigil(['token', 'create', '--data-dir', dataDir, '--reader', 'soc-team', '--out', readerFile])).code, 0);
      const follow = startVigil(['alerts', '--follow', '--controlplane', `localhost:${port}`, '--tls-ca', `${pki}/ca.crt`, '--token-file', readerFile]);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(follow.child.exitCode, null, follow.stderr());
      follow.child.kill('SIGINT');
      assert.equal((await follow.exited).code, 0);
      const asSensor = await runVigil(['alerts', '--follow', '--controlplane', `localhost:${port}`, '--tls-ca', `${pki}/ca.crt`, '--token-file', tokenFile]);
      assert.equal(asSensor.code, 1);
      assert.match(asSensor.stderr, /sensor credential \(node-a\) cannot read/);
    } finally {
      sensor?.child.kill('SIGINT');
      await sensor?.exited;
      cp.child.kill('SIGINT');
      await cp.exited;
    }
  });

  test('vigil up gives its own sensor a credential for its node only', async () => {
    const dataDir = tempDir('vigil-up-id-');
    const up = startVigil(['up', '--data-dir', dataDir, '--node-name', 'this-node', '--status-interval', '1s']);
    try {
      await up.waitFor(/1 sensor connected/, 30_000);
      const token = fs.readFileSync(path.join(dataDir, 'sensor', 'this-node.token'), 'utf8').trim();
      assert.match(token, /^vgl_sensor_/);
      assert.equal(fs.statSync(path.join(dataDir, 'sensor', 'this-node.token')).mode & 0o777, 0o600);
      const s = new TestSensorStream(`unix://${path.join(dataDir, 'vigil.sock')}`, token);
      s.call.write({ hello: { node_name: 'another-node', sensor_version: 'x', resume_from_seq: '0' } });
      assert.equal((await s.failure()).code, grpc.status.PERMISSION_DENIED);
      s.close();
    } finally {
      up.child.kill('SIGTERM');
      await up.exited;
    }
  });
});
