import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { SensorMessage__Output } from '../../../proto/generated/vigil/v1/SensorMessage';
import type { SensorMessageEncoded__Output } from '../../../proto/generated/vigil/v1/SensorMessageEncoded';
import { PROTO_LOADER_OPTIONS, eventCodec, loadVigilProtos, sensorServiceReadingEncodedEvents } from '../../../proto/loader';
import { containerStarted, execInPod, type PodRef } from '../../helpers/synthetic-events';

test('the type generator gets the same options as the loader', () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8'));
  const cmd: string = pkg.scripts['build:proto'];
  const expected = { keepCase: '--keepCase', longs: '--longs=String', enums: '--enums=String', defaults: '--defaults', oneofs: '--oneofs' };
  for (const [key, flag] of Object.entries(expected)) {
    assert.ok(key in PROTO_LOADER_OPTIONS, `loader lacks ${key}`);
    assert.ok(cmd.includes(flag), `build:proto lacks ${flag}`);
  }
  assert.equal(PROTO_LOADER_OPTIONS.longs, String);
  assert.equal(PROTO_LOADER_OPTIONS.enums, String);
});

test('an event read from the store is the object gRPC delivers, and a batch reads as encoded events', () => {
  const { SensorService } = loadVigilProtos().vigil.v1;
  const p: PodRef = { containerId: 'ab'.repeat(32), namespace: 'shop', pod: 'web-1', podUid: 'u-1' };
  const events = [execInPod(p, { pid: 42, argv: ['sh', '-c', 'id'] }), containerStarted(p, { privileged: true, hostPaths: ['/etc'] })];
  const message = { batch: { node_name: 'n', seq: '7', events, gap: null } };
  const wire = SensorService.service.StreamEvents.requestSerialize(message);
  const asGrpcDelivers = SensorService.service.StreamEvents.requestDeserialize(wire) as SensorMessage__Output;
  const encoded = sensorServiceReadingEncodedEvents().StreamEvents.requestDeserialize(wire) as SensorMessageEncoded__Output;
  assert.equal(encoded.batch?.seq, '7');
  assert.equal(encoded.batch?.events.length, 2);
  assert.deepEqual(encoded.batch!.events.map((e) => eventCodec().decode(e)), asGrpcDelivers.batch!.events);
  assert.equal(asGrpcDelivers.batch!.events[1].container_started?.details?.host_mounts[0].host_path, '/etc');
});
