import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { after, before, describe, test } from 'node:test';
import { startControlPlane } from '../../../controlplane/src/main';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';
import { TestSensorStream, metadataWith, queryClient, subscribeAlerts } from '../../helpers/grpc-clients';
import { execEvent } from '../../helpers/synthetic-events';
import { tempDir } from '../../helpers/temp-dir';
import { makeTestPki } from '../../helpers/test-pki';

function listEvents(target: string, token: string | undefined): Promise<number> {
  const q = queryClient(target);
  return new Promise<number>((resolve, reject) =>
    q.ListEvents({ page_size: 100 }, metadataWith(token), (err, res) => (err ? reject(err) : resolve(res!.events.length))),
  ).finally(() => q.close());
}

describe('authentication and malformed input', { timeout: 60_000 }, () => {
  let cp: TestControlPlane;
  before(async () => (cp = await startTestControlPlane()));
  after(() => cp.stop());

  const stored = () => cp.query<{ n: number }>('SELECT count(*) AS n FROM events')[0].n;

  test('the token is generated on first start, 0600', () => {
    const st = fs.statSync(cp.tokenFile);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(cp.tokenFile, 'utf8').trim(), cp.token);
    assert.equal(fs.statSync(path.join(cp.dataDir, 'vigil.db')).mode & 0o777, 0o600);
  });

  for (const [name, token] of [['no token', undefined], ['a wrong token', 'f'.repeat(64)]] as const) {
    test(`${name}: every service answers UNAUTHENTICATED and nothing is stored`, async () => {
      const s = new TestSensorStream(cp.target, token);
      s.call.write({ hello: { node_name: 'intruder', sensor_version: 'x', resume_from_seq: '0' } });
      s.call.write({ batch: { node_name: 'intruder', seq: '1', events: [execEvent()] } });
      assert.equal((await s.failure()).code, grpc.status.UNAUTHENTICATED);
      s.close();
      await assert.rejects(listEvents(cp.target, token), (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED);
      const sub = subscribeAlerts(cp.target, token, { after_id: '0' });
      await new Promise((r) => sub.call.on('error', r));
      assert.equal(sub.error()?.code, grpc.status.UNAUTHENTICATED);
      sub.close();
      assert.equal(stored(), 0);
      assert.equal(cp.query('SELECT * FROM nodes').length, 0, 'an unauthenticated hello creates nothing');
    });
  }

  test('a batch before the hello is refused', async () => {
    const s = new TestSensorStream(cp.target, cp.token);
    s.call.write({ batch: { node_name: 'n', seq: '1', events: [execEvent()] } });
    const err = await s.failure();
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err.details, /batch before its hello/);
    s.close();
  });

  test('a batch with one malformed event is refused whole, with the event named', async () => {
    const s = new TestSensorStream(cp.target, cp.token);
    await s.hello('bad-node');
    const broken = { ...execEvent({ pid: 900 }), body: undefined, exec: null };
    s.call.write({ batch: { node_name: 'bad-node', seq: '1', events: [execEvent({ pid: 899 }), broken] } });
    const err = await s.failure();
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err.details, /batch 1 from bad-node: event 1 has no known body/);
    s.close();
    assert.equal(stored(), 0, 'nothing of the batch was stored');
  });

  test('an event or a field past its bound refuses the batch whole, the event and field named; so do too many events', async () => {
    const refusal = async (events: ReturnType<typeof execEvent>[]) => {
      const s = new TestSensorStream(cp.target, cp.token);
      await s.hello('big-node');
      s.call.write({ batch: { node_name: 'big-node', seq: '1', events } });
      const err = await s.failure();
      s.close();
      assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
      return err.details;
    };
    const withArg = (n: number) => [execEvent({ pid: 1 }), execEvent({ pid: 2, argv: ['/bin/true', 'x'.repeat(n)] })];
    assert.match(await refusal(withArg(2 * 1024 * 1024)), /^batch 1 from big-node: event 1 is \d+ bytes \(limit 262144\)/);
    assert.match(await refusal(withArg(100_000)), /^batch 1 from big-node: event 1 field exec\.argv\[1\] is 100000 characters \(limit 4096\)/);
    const tiny = { body: 'fork', time_unix_nano: '1', process: { pid: 1 }, fork: { child_pid: 2 } } as unknown as ReturnType<typeof execEvent>;
    assert.match(await refusal(Array.from({ length: 65_537 }, () => tiny)), /holds 65537 events \(limit 65536\)/);
    assert.equal(stored(), 0);
  });

  test('a batch carrying bytes that are not an Event is refused whole, with the event named', async () => {
    const raw = new grpc.Client(cp.target, grpc.credentials.createInsecure());
    const call = raw.makeBidiStreamRequest('/vigil.v1.SensorService/StreamEvents', (b: Buffer) => b, (b: Buffer) => b, metadataWith(cp.token));
    const failed = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
    const field = (n: number, wireType: number) => (n << 3) | wireType;
    const hello = protobuf.Writer.create().uint32(field(1, 2)).fork().uint32(field(1, 2)).string('garbled-node').ldelim().finish();
    // An Event whose first field claims a length that never ends.
    const notAnEvent = Buffer.from([field(1, 2), 0xff]);
    const batch = protobuf.Writer.create().uint32(field(2, 2)).fork()
      .uint32(field(1, 2)).string('garbled-node').uint32(field(2, 0)).uint64(1).uint32(field(3, 2)).bytes(notAnEvent)
      .ldelim().finish();
    call.write(Buffer.from(hello));
    call.write(Buffer.from(batch));
    const err = await failed;
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err.details, /batch 1 from garbled-node: event 0 is not an encoded Event/);
    raw.close();
    assert.equal(stored(), 0);
  });

  test('a batch for another node, or without a seq, is refused', async () => {
    const s = new TestSensorStream(cp.target, cp.token);
    await s.hello('node-x');
    s.call.write({ batch: { node_name: 'node-y', seq: '1', events: [] } });
    assert.match((await s.failure()).details, /names node "node-y" on the stream of "node-x"/);
    s.close();
    const t = new TestSensorStream(cp.target, cp.token);
    await t.hello('node-x');
    t.call.write({ batch: { node_name: 'node-x', seq: '0', events: [] } });
    assert.match((await t.failure()).details, /seq 0 is out of range/);
    t.close();
  });

  test('garbage bytes on the wire: the call fails, the server keeps serving', async () => {
    const raw = new grpc.Client(cp.target, grpc.credentials.createInsecure());
    const call = raw.makeBidiStreamRequest('/vigil.v1.SensorService/StreamEvents', (b: Buffer) => b, (b: Buffer) => b, metadataWith(cp.token));
    const failed = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
    call.write(Buffer.from([0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]));
    assert.notEqual((await failed).code, grpc.status.OK);
    raw.close();
    const s = new TestSensorStream(cp.target, cp.token);
    await s.hello('after-garbage');
    assert.equal((await s.send('after-garbage', 1n, [execEvent({ pid: 1234 })])).duplicate, false);
    s.close();
    assert.equal(stored(), 1);
  });
});

describe('listeners', { timeout: 60_000 }, () => {
  test('refuses a non-loopback TCP listener without TLS unless --insecure', async () => {
    await assert.rejects(startControlPlane({ dataDir: tempDir(), listen: '0.0.0.0:0', log: () => undefined }), /refusing to listen on 0\.0\.0\.0:0 without TLS/);
  });

  test('--insecure turns authentication off, and says so in the log', async () => {
    const lines: string[] = [];
    const cp = await startTestControlPlane({ insecure: true, log: (l) => lines.push(l) });
    try {
      assert.ok(lines.some((l) => /authentication is OFF \(--insecure\)/.test(l)), lines.join(' | '));
      const s = new TestSensorStream(cp.target, undefined);
      await s.hello('open-node');
      assert.equal((await s.send('open-node', 1n, [execEvent()])).duplicate, false, 'no credentials needed');
      s.close();
    } finally {
      await cp.stop();
    }
  });

  test('a second control plane on the same data dir is refused', async () => {
    const cp = await startTestControlPlane();
    try {
      await assert.rejects(startControlPlane({ dataDir: cp.dataDir, log: () => undefined }), /already running on/);
    } finally {
      await cp.stop();
    }
  });

  test('mutual TLS: a node\'s client certificate signed by the CA is enough; none is refused', async () => {
    const pki = makeTestPki();
    const cp = await startTestControlPlane({ listen: '127.0.0.1:0', tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca } });
    try {
      const target = `localhost:${cp.tcpPort}`;
      const node = pki.issue('sensor', 'tls-node');
      const withCert = grpc.credentials.createSsl(fs.readFileSync(pki.ca), fs.readFileSync(node.key), fs.readFileSync(node.cert));
      const s = new TestSensorStream(target, undefined, withCert);
      await s.hello('tls-node');
      assert.equal((await s.send('tls-node', 1n, [execEvent({ pid: 77 })])).duplicate, false);
      s.close();
      const noCert = new TestSensorStream(target, undefined, grpc.credentials.createSsl(fs.readFileSync(pki.ca)));
      noCert.call.write({ hello: { node_name: 'n', sensor_version: 'x', resume_from_seq: '0' } });
      assert.equal((await noCert.failure()).code, grpc.status.UNAVAILABLE, 'the TLS handshake refuses a client without a certificate');
      noCert.close();
      assert.equal(cp.query<{ n: number }>('SELECT count(*) AS n FROM events')[0].n, 1);
    } finally {
      await cp.stop();
    }
  });
});
