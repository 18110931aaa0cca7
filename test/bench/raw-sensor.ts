/**
 * A sensor for benchmarks that costs almost nothing to run: events are
 * protobuf-encoded once, and each batch is those bytes plus a small header,
 * so the control plane under test, not the load generator, sets the pace.
 * (Repeated protobuf fields may be concatenated, which is what this relies on.)
 */
import * as grpc from '@grpc/grpc-js';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { PROTO_FILES, PROTO_ROOT } from '../../proto/loader';
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import { metadataWith } from '../helpers/grpc-clients';

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_ROOT, target));
root.loadSync(PROTO_FILES, { keepCase: true });
const EventType = root.lookupType('vigil.v1.Event');
const ControlMessage = root.lookupType('vigil.v1.ControlMessage');

/** Bytes of `events` as repeated field 3 of EventBatch. */
export function encodeEvents(events: Event__Output[]): Buffer {
  const w = protobuf.Writer.create();
  for (const ev of events) EventType.encode(EventType.fromObject(ev), w.uint32((3 << 3) | 2).fork()).ldelim();
  return Buffer.from(w.finish());
}

export class RawSensor {
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<Buffer, Buffer>;
  private readonly waiting: ((seq: bigint) => void)[] = [];

  constructor(target: string, token: string, private readonly node: string) {
    this.client = new grpc.Client(target, grpc.credentials.createInsecure());
    this.call = this.client.makeBidiStreamRequest('/vigil.v1.SensorService/StreamEvents', (b: Buffer) => b, (b: Buffer) => b, metadataWith(token));
    this.call.on('data', (b: Buffer) => {
      const m = ControlMessage.toObject(ControlMessage.decode(b), { longs: String }) as { welcome?: { last_committed_seq: string }; ack?: { seq: string } };
      this.waiting.shift()?.(BigInt(m.ack?.seq ?? m.welcome?.last_committed_seq ?? '0'));
    });
    this.call.on('error', (err) => {
      for (const w of this.waiting.splice(0)) w(-1n);
      void err;
    });
  }

  private reply(): Promise<bigint> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  hello(): Promise<bigint> {
    const hello = protobuf.Writer.create().uint32((1 << 3) | 2).fork().uint32((1 << 3) | 2).string(this.node).ldelim().finish();
    this.call.write(Buffer.from(hello));
    return this.reply();
  }

  /** Sends one batch of pre-encoded events; resolves with the acknowledged seq. */
  send(seq: bigint, encodedEvents: Buffer[]): Promise<bigint> {
    const header = protobuf.Writer.create().uint32((1 << 3) | 2).string(this.node).uint32(2 << 3).uint64(seq.toString()).finish();
    const body = Buffer.concat([Buffer.from(header), ...encodedEvents]);
    const prefix = protobuf.Writer.create().uint32((2 << 3) | 2).uint32(body.length).finish();
    this.call.write(Buffer.concat([Buffer.from(prefix), body]));
    return this.reply();
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}
