import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, test } from 'node:test';
import { endpointsOfSlices } from '../../../../controlplane/src/cluster/endpoint-slices';
import { parseServiceRef } from '../../../../controlplane/src/cluster/discovery';
import { fixturePath } from '../../../helpers/fixture-path';

const served = () => JSON.parse(fs.readFileSync(fixturePath('k8s', 'endpointslices-vigil-nodes.json'), 'utf8')) as { items: Record<string, unknown>[] };

describe('EndpointSlices of the node Service (discovery.k8s.io/v1, as the API server lists them)', () => {
  test('serving endpoints only, the first address of each, the port named grpc', () => {
    const { endpoints } = endpointsOfSlices(served());
    assert.deepEqual(endpoints, [
      { address: '10.244.1.17:7443', nodeName: 'worker-1' },
      { address: '10.244.2.9:7443', nodeName: 'worker-2' },
      // terminating but still serving: its last alerts are still to be taken
      { address: '10.244.4.21:7443', nodeName: 'worker-4' },
      // no conditions: unknown counts as ready
      { address: '10.244.5.2:7443', nodeName: 'worker-5' },
      // (its IPv6 address, in the second slice, is the same pod: followed once)
    ]);
  });

  test('an IPv6 address is bracketed', () => {
    const list = served();
    list.items.shift();
    assert.deepEqual(endpointsOfSlices(list).endpoints, [{ address: '[fd00:10:244:1::11]:7443', nodeName: 'worker-1' }]);
  });

  test('a not-ready endpoint is left out', () => {
    const { endpoints } = endpointsOfSlices(served());
    assert.ok(!endpoints.some((e) => e.address.startsWith('10.244.3.4')));
  });

  test('without a port named grpc, the first port', () => {
    const list = served();
    list.items[0].ports = [{ name: 'rpc', protocol: 'TCP', port: 9000 }, { name: 'metrics', protocol: 'TCP', port: 9464 }];
    assert.ok(endpointsOfSlices(list).endpoints.some((e) => e.address === '10.244.1.17:9000'));
  });

  test('a slice without ports, or of an unknown address type, is skipped and said; the rest stands', () => {
    const list = served();
    list.items[1].addressType = 'AppleTalk';
    const { endpoints, skipped } = endpointsOfSlices(list);
    assert.equal(endpoints.length, 4);
    assert.ok(endpoints.every((e) => !e.address.startsWith('[')));
    assert.deepEqual(skipped, [
      'EndpointSlice vigil-nodes-f9r4t: address type "AppleTalk" is not IPv4, IPv6 or FQDN',
      'EndpointSlice vigil-nodes-empty: no port (named "grpc" or any)',
    ]);
  });

  test('an endpoint listed in two slices, or an address twice, counts once', () => {
    const list = served();
    list.items.push(structuredClone(list.items[0]));
    assert.equal(endpointsOfSlices(list).endpoints.length, 4);
  });

  test('an endpoint without an address is skipped and said', () => {
    const list = served();
    (list.items[0].endpoints as Record<string, unknown>[])[0].addresses = [];
    const { endpoints, skipped } = endpointsOfSlices(list);
    assert.ok(!endpoints.some((e) => e.address.startsWith('10.244.1.17')));
    // the pod's IPv6 address in the other slice stands in
    assert.ok(endpoints.some((e) => e.address === '[fd00:10:244:1::11]:7443'));
    assert.ok(skipped.includes('EndpointSlice vigil-nodes-7xk2p: endpoint #0 has no address'));
  });

  test('something that is not a list is refused with what it was', () => {
    assert.throws(() => endpointsOfSlices({ kind: 'Status', status: 'Failure', reason: 'Forbidden' }), /not an EndpointSliceList \(kind "Status"\)/);
    assert.throws(() => endpointsOfSlices('<html>'), /not an EndpointSliceList/);
  });

  test('--nodes-service is NAMESPACE/NAME of DNS labels', () => {
    assert.deepEqual(parseServiceRef('vigil/vigil-nodes'), { namespace: 'vigil', name: 'vigil-nodes' });
    assert.throws(() => parseServiceRef('vigil-nodes'), /is not NAMESPACE\/NAME/);
    assert.throws(() => parseServiceRef('Vigil/nodes'), /is not NAMESPACE\/NAME/);
  });
});
