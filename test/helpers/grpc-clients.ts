/** Real gRPC clients of a running control plane, as a sensor or a user would be. */
import * as grpc from '@grpc/grpc-js';
import { loadVigilProtos } from '../../proto/loader';
import type { Alert__Output } from '../../proto/generated/vigil/v1/Alert';
import type { SensorConfig__Output } from '../../proto/generated/vigil/v1/SensorConfig';
import type { ControlMessage__Output } from '../../proto/generated/vigil/v1/ControlMessage';
import type { Event } from '../../proto/generated/vigil/v1/Event';
import type { SubscribeRequest } from '../../proto/generated/vigil/v1/SubscribeRequest';

export function metadataWith(token?: string): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  return md;
}

/** A sensor stream that says hello and sends batches, one reply at a time. */
export class TestSensorStream {
  private readonly replies: ControlMessage__Output[] = [];
  /** Callers waiting for a reply, in the order their requests went out. */
  private readonly waiting: ((m: ControlMessage__Output) => void)[] = [];
  readonly call;
  readonly client;
  error: grpc.ServiceError | undefined;
  /** The SensorConfigs the control plane sent, in order. */
  readonly configs: SensorConfig__Output[] = [];
  private readonly errored: Promise<grpc.ServiceError>;

  constructor(target: string, token?: string, creds = grpc.credentials.createInsecure()) {
    const { SensorService } = loadVigilProtos().vigil.v1;
    this.client = new SensorService(target, creds);
    this.call = this.client.StreamEvents(metadataWith(token));
    this.call.on('data', (m: ControlMessage__Output) => {
      // A config comes after the welcome and on every reload: kept aside, it answers no request.
      if (m.config) return void this.configs.push(m.config);
      const w = this.waiting.shift();
      if (w) w(m);
      else this.replies.push(m);
    });
    this.errored = new Promise((resolve) => this.call.on('error', (e: grpc.ServiceError) => resolve((this.error = e))));
  }

  private next(): Promise<ControlMessage__Output> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    return Promise.race([
      new Promise<ControlMessage__Output>((resolve) => this.waiting.push(resolve)),
      this.errored.then((e) => {
        throw e;
      }),
    ]);
  }

  async hello(node: string): Promise<bigint> {
    this.call.write({ hello: { node_name: node, sensor_version: 'test', resume_from_seq: '0' } });
    const m = await this.next();
    return BigInt(m.welcome!.last_committed_seq);
  }

  async send(node: string, seq: bigint, events: Event[]): Promise<{ seq: string; duplicate: boolean }> {
    this.call.write({ batch: { node_name: node, seq: String(seq), events } });
    const m = await this.next();
    return m.ack!;
  }

  /** Resolves with the status the server ended the stream with. */
  failure(): Promise<grpc.ServiceError> {
    return this.errored;
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

/** Subscribes to alerts and collects what arrives. */
export function subscribeAlerts(target: string, token: string | undefined, req: SubscribeRequest) {
  const { AlertService } = loadVigilProtos().vigil.v1;
  const client = new AlertService(target, grpc.credentials.createInsecure());
  const call = client.Subscribe(req, metadataWith(token));
  const alerts: Alert__Output[] = [];
  let error: grpc.ServiceError | undefined;
  call.on('data', (a: Alert__Output) => alerts.push(a));
  call.on('error', (e: grpc.ServiceError) => (error = e));
  return {
    alerts,
    call,
    error: () => error,
    async waitFor(n: number, ms = 5000): Promise<Alert__Output[]> {
      const deadline = Date.now() + ms;
      while (alerts.length < n && !error) {
        if (Date.now() > deadline) throw new Error(`only ${alerts.length} of ${n} alerts within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return alerts;
    },
    close() {
      call.cancel();
      client.close();
    },
  };
}

export function queryClient(target: string, creds = grpc.credentials.createInsecure()) {
  const { QueryService } = loadVigilProtos().vigil.v1;
  return new QueryService(target, creds);
}
