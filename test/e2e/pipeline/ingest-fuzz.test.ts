/**
 * The sensor stream fed arbitrary bytes and mutations of real messages,
 * over a real socket: every case ends (no hang) with an ack or a refusal
 * that says why, never an internal error; the store holds a batch whole or
 * not at all; and the server serves a well-formed sensor afterwards.
 */
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { after, before, describe, test } from 'node:test';
import { epochNow, seqOf } from '../../../proto/batch-seq';
import { messageType, sensorMessageCodec } from '../../../proto/loader';
import type { Event } from '../../../proto/generated/vigil/v1/Event';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';
import { TestSensorStream, metadataWith } from '../../helpers/grpc-clients';
import { connectEvent, execEvent, mountEvent } from '../../helpers/synthetic-events';

const ARBITRARY_RUNS = 300;
const MUTATED_RUNS = 700;

interface Outcome {
  acked: boolean;
  code?: number;
  details?: string;
}

/** Sends `messages` as raw bytes on one stream; resolves with its first ack or its end. */
function send(cp: TestControlPlane, messages: Uint8Array[]): Promise<Outcome> {
  const raw = new grpc.Client(cp.target, grpc.credentials.createInsecure());
  const call = raw.makeBidiStreamRequest('/vigil.v1.SensorService/StreamEvents', (b: Buffer) => b, (b: Buffer) => b, metadataWith(cp.token));
  return new Promise<Outcome>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer within 5 s: the server hangs on this input')), 5000);
    const done = (o: Outcome) => {
      clearTimeout(timer);
      call.cancel();
      raw.close();
      resolve(o);
    };
    // The welcome and the config come first; then the batch's ack.
    call.on('data', (b: Buffer) => {
      if (messageType('vigil.v1.ControlMessage').decode(b).toJSON().ack) done({ acked: true });
    });
    call.on('error', (e: grpc.ServiceError) => done({ acked: false, code: e.code, details: e.details }));
    call.on('end', () => done({ acked: false }));
    for (const m of messages) call.write(Buffer.from(m));
    call.end();
  });
}

function seedEvents(): Event[] {
  return [
    execEvent({ pid: 10, argv: ['/bin/sh', '-c', 'id'], containerId: 'a'.repeat(64) }),
    connectEvent('203.0.113.9', 443, { pid: 11 }),
    mountEvent('proc', '/mnt', 'proc', { pid: 12 }),
  ] as Event[];
}

type Edit = [position: number, byte: number, kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate'];

function mutate(bytes: Uint8Array, edits: Edit[]): Uint8Array {
  let b = Buffer.from(bytes);
  for (const [pos, byte, kind] of edits) {
    const at = b.length ? pos % b.length : 0;
    if (kind === 'flip') b[at] ^= 1 << (byte % 8);
    else if (kind === 'set') b[at] = byte;
    else if (kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
    else if (kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else b = b.subarray(0, at);
  }
  return b;
}

describe('sensor stream under arbitrary and mutated input', { timeout: 240_000 }, () => {
  let cp: TestControlPlane;
  before(async () => (cp = await startTestControlPlane()));
  after(() => cp.stop());
  const storedFor = (node: string) => cp.query<{ n: number }>('SELECT count(*) AS n FROM events e JOIN nodes n ON n.id = e.node_id WHERE n.name = ?', node)[0].n;

  let caseNo = 0;
  /** Judges one outcome: an ack stores the batch whole; a refusal stores nothing and is not an internal error. */
  function judge(node: string, o: Outcome, batchEvents: () => number | undefined): void {
    if (o.acked) {
      const n = batchEvents();
      if (n !== undefined) assert.equal(storedFor(node), n, `acked batch of ${node} stored in part`);
      return;
    }
    assert.equal(storedFor(node), 0, `refused batch of ${node} stored in part`);
    assert.ok(o.code === undefined || [grpc.status.INVALID_ARGUMENT, grpc.status.PERMISSION_DENIED].includes(o.code), `code ${o.code}: ${o.details}`);
  }

  test(`arbitrary bytes after a valid hello (${ARBITRARY_RUNS} cases)`, async (t) => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        const node = `fuzz-a${caseNo++}`;
        const hello = sensorMessageCodec().encode({ hello: { node_name: node, sensor_version: 'fuzz' } });
        judge(node, await send(cp, [hello, bytes]), () => undefined);
      }),
      { numRuns: ARBITRARY_RUNS },
    );
    t.diagnostic(`${ARBITRARY_RUNS} cases of arbitrary bytes`);
  });

  test(`mutations of a real batch, hello included (${MUTATED_RUNS} cases)`, async (t) => {
    const edit = fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate')) as fc.Arbitrary<Edit>;
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 6 }), fc.boolean(), async (edits, mutateHello) => {
        const node = `fuzz-m${caseNo++}`;
        const hello = sensorMessageCodec().encode({ hello: { node_name: node, sensor_version: 'fuzz' } });
        const batch = sensorMessageCodec().encode({ batch: { node_name: node, seq: String(seqOf(epochNow(), 1n)), events: seedEvents() } });
        const sent = mutateHello ? [mutate(hello, edits), batch] : [hello, mutate(batch, edits)];
        const o = await send(cp, sent);
        const key = o.acked ? 'acked' : `refused ${o.code ?? 'closed'}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        judge(node, o, () => {
          try {
            return sensorMessageCodec().decode(sent[1]).batch?.events.length;
          } catch {
            return undefined;
          }
        });
      }),
      { numRuns: MUTATED_RUNS },
    );
    t.diagnostic(`${MUTATED_RUNS} cases of mutated messages: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  });

  test('after all of it, a well-formed sensor is served', async () => {
    const s = new TestSensorStream(cp.target, cp.token);
    await s.hello('after-fuzz');
    assert.equal((await s.send('after-fuzz', 1n, [execEvent()])).duplicate, false);
    s.close();
    assert.equal(storedFor('after-fuzz'), 1);
  });
});
