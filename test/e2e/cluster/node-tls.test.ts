/**
 * The cluster view reaching a node over mutual TLS with a reader
 * certificate: no token at all. A certificate of another role is refused by
 * the node, and the view reports it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import { TestSensorStream, subscribeAlerts } from '../../helpers/grpc-clients';
import { CONTAINER_ID, execEvent } from '../../helpers/synthetic-events';
import { tempDir } from '../../helpers/temp-dir';
import { makeTestPki } from '../../helpers/test-pki';
import { startVigil, stopAll, type LiveCommand } from '../../helpers/vigil-cli';
import { freePort } from '../../helpers/free-port';


describe('vigil cluster to a node over mutual TLS', { timeout: 60_000 }, () => {
  const pki = makeTestPki();
  const running: LiveCommand[] = [];
  after(() => stopAll(running));

  test('a reader certificate is all the view needs; a sensor certificate is refused and reported', async () => {
    const port = await freePort();
    const node = startVigil(['controlplane', '--data-dir', tempDir('vigil-tls-node-'), '--listen', `127.0.0.1:${port}`, '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey, '--tls-ca', pki.ca]);
    running.push(node);
    await node.waitFor(/listening on/);
    const sensorCert = pki.issue('sensor', 'n1');
    const creds = grpc.credentials.createSsl(fs.readFileSync(pki.ca), fs.readFileSync(sensorCert.key), fs.readFileSync(sensorCert.cert));
    const sensor = new TestSensorStream(`127.0.0.1:${port}`, undefined, creds);
    const seq = await sensor.hello('n1');
    await sensor.send('n1', seq + 1n, [execEvent({ pid: 4321, filename: '/bin/sh', argv: ['sh', '-c', 'id'], containerId: CONTAINER_ID })]);
    sensor.close();

    const reader = pki.issue('reader', 'cluster-view');
    const viewDir = tempDir('vigil-tls-view-');
    const view = startVigil(['cluster', '--data-dir', viewDir, '--nodes', `127.0.0.1:${port}`, '--node-tls-ca', pki.ca, '--node-tls-cert', reader.cert, '--node-tls-key', reader.key]);
    running.push(view);
    await view.waitFor(/listening on/);
    const sub = subscribeAlerts(`unix://${viewDir}/vigil.sock`, fs.readFileSync(`${viewDir}/token`, 'utf8').trim(), { after_id: '0' });
    const [a] = (await sub.waitFor(1, 20_000)) as Alert__Output[];
    sub.close();
    assert.equal(a.node_name, 'n1');
    assert.equal(a.pid, 4321);
    assert.equal(a.origin?.node_address, `127.0.0.1:${port}`);

    const wrong = startVigil(['cluster', '--data-dir', tempDir('vigil-tls-view2-'), '--nodes', `127.0.0.1:${port}`, '--node-tls-ca', pki.ca, '--node-tls-cert', sensorCert.cert, '--node-tls-key', sensorCert.key]);
    running.push(wrong);
    await wrong.waitFor(new RegExp(`node 127\\.0\\.0\\.1:${port} unreachable: control plane at 127\\.0\\.0\\.1:${port} refused this credential: a sensor credential \\(n1\\) cannot`), 20_000);
  });

  test('a node dialled at its pod address, its certificate naming its Service: checked against --node-tls-server-name', async () => {
    const svc = makeTestPki(['vigil-node.vigil.svc']);
    const port = await freePort();
    const nodeDir = tempDir('vigil-tls-node-');
    const node = startVigil(['controlplane', '--data-dir', nodeDir, '--listen', `127.0.0.1:${port}`, '--tls-cert', svc.serverCert, '--tls-key', svc.serverKey, '--tls-ca', svc.ca]);
    running.push(node);
    await node.waitFor(/listening on/);
    const sensor = new TestSensorStream(`unix://${nodeDir}/vigil.sock`, fs.readFileSync(`${nodeDir}/token`, 'utf8').trim());
    const seq = await sensor.hello('n2');
    await sensor.send('n2', seq + 1n, [execEvent({ pid: 4322, filename: '/bin/sh', argv: ['sh', '-c', 'id'], containerId: CONTAINER_ID })]);
    sensor.close();
    const reader = svc.issue('reader', 'cluster-view');
    const tlsFlags = ['--nodes', `127.0.0.1:${port}`, '--node-tls-ca', svc.ca, '--node-tls-cert', reader.cert, '--node-tls-key', reader.key];

    const byAddress = startVigil(['cluster', '--data-dir', tempDir('vigil-tls-view3-'), ...tlsFlags]);
    running.push(byAddress);
    await byAddress.waitFor(new RegExp(`node 127\\.0\\.0\\.1:${port} unreachable: .*(certificate|altnames|Hostname)`, 'i'), 20_000);

    const viewDir = tempDir('vigil-tls-view4-');
    const byName = startVigil(['cluster', '--data-dir', viewDir, ...tlsFlags, '--node-tls-server-name', 'vigil-node.vigil.svc']);
    running.push(byName);
    await byName.waitFor(/listening on/);
    const sub = subscribeAlerts(`unix://${viewDir}/vigil.sock`, fs.readFileSync(`${viewDir}/token`, 'utf8').trim(), { after_id: '0' });
    const [a] = (await sub.waitFor(1, 20_000)) as Alert__Output[];
    sub.close();
    assert.equal(a.pid, 4322);
  });
});
