/**
 * `--nodes-service`: the listing as the cluster view makes it, against an
 * HTTPS server that answers as the Kubernetes API does (no API server runs
 * on this machine): the EndpointSlices URL and label selector, the
 * service-account token re-read from its file, the CA checked; a failed
 * listing keeps the nodes known before.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EndpointSliceDiscovery } from '../../../controlplane/src/cluster/discovery';
import type { NodeEndpoint } from '../../../controlplane/src/cluster/endpoint-slices';
import { fixturePath } from '../../helpers/fixture-path';
import { tempDir } from '../../helpers/temp-dir';
import { makeTestPki } from '../../helpers/test-pki';

describe('node discovery from a Service\'s EndpointSlices', { timeout: 30_000 }, () => {
  const pki = makeTestPki();
  const dir = tempDir('vigil-sa-');
  const tokenFile = path.join(dir, 'token');
  const requests: { url: string; authorization?: string }[] = [];
  let answer: { status: number; body: string } = { status: 200, body: fs.readFileSync(fixturePath('k8s', 'endpointslices-vigil-nodes.json'), 'utf8') };
  let server: https.Server;
  let api = '';

  before(async () => {
    server = https.createServer({ cert: fs.readFileSync(pki.serverCert), key: fs.readFileSync(pki.serverKey) }, (req, res) => {
      requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server.close());

  test('lists the Service\'s slices with the service-account token and reads the serving endpoints', async () => {
    fs.writeFileSync(tokenFile, 'sa-token-one\n');
    const d = new EndpointSliceDiscovery({ namespace: 'vigil', name: 'vigil-nodes' }, { server: api, tokenFile, caFile: pki.ca }, () => undefined);
    const nodes = await d.list();
    assert.deepEqual(nodes.map((n) => n.address), ['10.244.1.17:7443', '10.244.2.9:7443', '10.244.4.21:7443', '10.244.5.2:7443']);
    assert.equal(requests.at(-1)!.url, '/apis/discovery.k8s.io/v1/namespaces/vigil/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dvigil-nodes');
    assert.equal(requests.at(-1)!.authorization, 'Bearer sa-token-one');
    // A rotated token is used from the next listing on.
    fs.writeFileSync(tokenFile, 'sa-token-two\n');
    await d.list();
    assert.equal(requests.at(-1)!.authorization, 'Bearer sa-token-two');
  });

  test('a refusal names the Service and the API server; the nodes known before are kept', async () => {
    const logged: string[] = [];
    const seen: NodeEndpoint[][] = [];
    const d = new EndpointSliceDiscovery({ namespace: 'vigil', name: 'vigil-nodes' }, { server: api, tokenFile, caFile: pki.ca }, (l) => logged.push(l), 50);
    d.start((nodes) => seen.push(nodes));
    try {
      while (!seen.length) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(logged, ['Service vigil/vigil-nodes: skipped EndpointSlice vigil-nodes-empty: no port (named "grpc" or any)']);
      logged.length = 0;
      answer = { status: 403, body: '{"kind":"Status","status":"Failure","reason":"Forbidden","code":403}' };
      while (!logged.length) await new Promise((r) => setTimeout(r, 10));
      assert.match(logged[0], new RegExp(`list the EndpointSlices of Service vigil/vigil-nodes at ${api.replace(/\./g, '\\.')}: HTTP 403.*Forbidden.*; following the nodes known before`));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(seen.length, 1, 'no empty node set after a failed listing');
      assert.equal(logged.length, 1, 'the same failure is logged once');
    } finally {
      d.stop();
    }
  });

  test('an API server whose certificate the CA did not sign is refused', async () => {
    const other = makeTestPki();
    const d = new EndpointSliceDiscovery({ namespace: 'vigil', name: 'vigil-nodes' }, { server: api, tokenFile, caFile: other.ca }, () => undefined);
    await assert.rejects(d.list(), /list the EndpointSlices of Service vigil\/vigil-nodes at https:\/\/127\.0\.0\.1:\d+: .*(certificate|signature)/);
  });
});
