/**
 * Streams the outbox to the control plane: hello, welcome (resume point),
 * then batches in seq order with a bounded window of unacknowledged ones.
 * Reconnects with jittered exponential backoff; a control-plane restart loses
 * nothing because batches leave the outbox only when acknowledged.
 */
import * as grpc from '@grpc/grpc-js';
import { loadVigilProtos } from '../../proto/loader';
import type { ControlMessage__Output } from '../../proto/generated/vigil/v1/ControlMessage';
import type { SensorMessage } from '../../proto/generated/vigil/v1/SensorMessage';
import type { SensorServiceClient } from '../../proto/generated/vigil/v1/SensorService';
import { callMetadata, channelCredentials, describeGrpcError, type ControlPlaneAddress } from '../../proto/client-connection';
import type { Outbox } from './outbox';

export interface SensorClientOptions extends ControlPlaneAddress {
  nodeName: string;
  version: string;
  /** Batches sent and not yet acknowledged, at most. */
  window?: number;
  log?: (line: string) => void;
}

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5000;

export class SensorClient {
  private readonly client: SensorServiceClient;
  private readonly window: number;
  private readonly log: (line: string) => void;
  private call: grpc.ClientDuplexStream<SensorMessage, ControlMessage__Output> | undefined;
  /** Highest seq written on the current stream; undefined before the welcome. */
  private sentUpTo: bigint | undefined;
  private inFlight = 0;
  private backoffMs = BACKOFF_MIN_MS;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastError = '';
  connected = false;

  constructor(
    private readonly outbox: Outbox,
    private readonly o: SensorClientOptions,
  ) {
    const { SensorService } = loadVigilProtos().vigil.v1;
    this.client = new SensorService(o.target, channelCredentials(o), { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
    this.window = o.window ?? 32;
    this.log = o.log ?? (() => undefined);
  }

  start(): void {
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const call = this.client.StreamEvents(callMetadata(this.o));
    this.call = call;
    this.sentUpTo = undefined;
    this.inFlight = 0;
    call.on('data', (msg: ControlMessage__Output) => this.onControl(msg));
    call.on('error', (err: grpc.ServiceError) => this.onBroken(call, err));
    call.on('end', () => this.onBroken(call));
    call.write({ hello: { node_name: this.o.nodeName, sensor_version: this.o.version, resume_from_seq: String(this.outbox.firstSeq()) } });
  }

  private onControl(msg: ControlMessage__Output): void {
    if (msg.welcome) {
      const committed = BigInt(msg.welcome.last_committed_seq);
      this.outbox.ackUpTo(committed);
      this.sentUpTo = committed;
      this.connected = true;
      this.backoffMs = BACKOFF_MIN_MS;
      if (this.lastError) this.log(`connected to ${this.o.target} again; resuming after batch ${committed}`);
      this.lastError = '';
    } else if (msg.ack) {
      this.outbox.ackUpTo(BigInt(msg.ack.seq));
      this.inFlight = Math.max(0, this.inFlight - 1);
    }
    this.pump();
  }

  /** Sends what the window allows. Call after enqueueing. */
  pump(): void {
    const call = this.call;
    if (!call || this.sentUpTo === undefined) return;
    for (const b of this.outbox.pendingAfter(this.sentUpTo)) {
      if (this.inFlight >= this.window) return;
      const { events, gap } = this.outbox.body(b);
      call.write({ batch: { node_name: this.o.nodeName, seq: String(b.seq), events, gap } });
      this.sentUpTo = b.seq;
      this.inFlight++;
    }
  }

  private onBroken(call: grpc.ClientDuplexStream<SensorMessage, ControlMessage__Output>, err?: grpc.ServiceError): void {
    if (call !== this.call) return;
    this.call = undefined;
    this.connected = false;
    if (this.stopped) return;
    const message = err ? describeGrpcError(err, this.o.target) : `control plane at ${this.o.target} closed the stream`;
    if (err?.code === grpc.status.INVALID_ARGUMENT) {
      // The control plane refused the oldest batch outright: resending it
      // forever would stall every later one. Drop it, count it, say so.
      const refused = this.outbox.discardOldest(`refused by the control plane: ${err.details}`);
      this.log(`batch ${refused} refused and dropped: ${err.details}`);
    } else if (message !== this.lastError) {
      this.log(`${message}; retrying`);
    }
    this.lastError = message;
    const jitter = 0.5 + Math.random() / 2;
    this.retry = setTimeout(() => this.connect(), this.backoffMs * jitter);
    this.backoffMs = Math.min(BACKOFF_MAX_MS, this.backoffMs * 2);
  }

  /** Waits up to `ms` for the outbox to drain, then closes the stream. */
  async stop(ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.outbox.firstSeq() !== 0n && this.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.stopped = true;
    clearTimeout(this.retry);
    this.call?.end();
    this.call?.cancel();
    this.client.close();
  }
}
