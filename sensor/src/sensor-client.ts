/**
 * Streams the outbox to the control plane: hello, welcome (resume point),
 * then batches in seq order with a bounded window of unacknowledged ones.
 * A broken stream is reopened (randomized delays that grow while the
 * control plane stays away, short again once it answered); batches leave
 * the outbox only when acknowledged, so nothing is lost across restarts of
 * either side. A batch the control plane refuses for what it holds (it
 * names it) becomes a gap with the reason; any other refusal (a credential,
 * a node name) keeps every batch and says why until it is fixed.
 */
import * as grpc from '@grpc/grpc-js';
import { REFUSED_SEQ } from '../../proto/batch-seq';
import { callMetadata, channelCredentials, describeGrpcError, type ControlPlaneAddress } from '../../proto/client-connection';
import { sensorMessageCodec, sensorServiceSendingEncoded } from '../../proto/loader';
import { keepTrying, type Trier } from '../../proto/retry';
import type { ControlMessage__Output } from '../../proto/generated/vigil/v1/ControlMessage';
import type { SensorConfig__Output } from '../../proto/generated/vigil/v1/SensorConfig';
import type { Outbox } from './outbox';

export interface SensorClientOptions extends ControlPlaneAddress {
  nodeName: string;
  version: string;
  /** Batches sent and not yet acknowledged, at most. */
  window?: number;
  log?: (line: string) => void;
  /** What the control plane asks of this sensor: after every welcome, and when its rules change. */
  onConfig?: (config: SensorConfig__Output) => void;
}

const RECONNECT = { minMs: 100, maxMs: 5000 };

type Stream = grpc.ClientDuplexStream<Buffer, ControlMessage__Output>;

export class SensorClient {
  private readonly client: grpc.Client & { StreamEvents(md: grpc.Metadata): Stream };
  private readonly window: number;
  private readonly log: (line: string) => void;
  private call: Stream | undefined;
  /** Highest seq written on the current stream; undefined before the welcome. */
  private sentUpTo: bigint | undefined;
  private inFlight = 0;
  private trier: Trier | undefined;
  private lastError = '';
  connected = false;
  /** Streams that broke or were refused, from the first hello on. */
  failures = 0;

  constructor(
    private readonly outbox: Outbox,
    private readonly o: SensorClientOptions,
  ) {
    const SensorService = sensorServiceSendingEncoded();
    this.client = new SensorService(o.target, channelCredentials(o), { 'grpc.max_send_message_length': 64 * 1024 * 1024 }) as unknown as typeof this.client;
    this.window = o.window ?? 32;
    this.log = o.log ?? (() => undefined);
  }

  start(): void {
    this.trier = keepTrying(() => this.session(), RECONNECT);
  }

  /**
   * One stream, from hello to its end: resolves `again` when it ends after a
   * welcome (the connection worked: reconnect at once), rejects when it
   * fails before one.
   */
  private session(): Promise<'again'> {
    return new Promise((resolve, reject) => {
      const call = this.client.StreamEvents(callMetadata(this.o));
      this.call = call;
      this.sentUpTo = undefined;
      this.inFlight = 0;
      let welcomed = false;
      const ended = (err?: grpc.ServiceError) => {
        if (call !== this.call) return;
        this.call = undefined;
        this.connected = false;
        this.onBroken(err);
        if (welcomed) resolve('again');
        else reject(err ?? new Error('closed before the welcome'));
      };
      call.on('data', (msg: ControlMessage__Output) => {
        if (msg.welcome) welcomed = true;
        this.onControl(msg);
      });
      call.on('error', (err: grpc.ServiceError) => ended(err));
      call.on('end', () => ended());
      const hello = { node_name: this.o.nodeName, sensor_version: this.o.version, resume_from_seq: String(this.outbox.firstSeq()), last_seq: String(this.outbox.lastSeq()) };
      call.write(Buffer.from(sensorMessageCodec().encode({ hello })));
    });
  }

  private onControl(msg: ControlMessage__Output): void {
    if (msg.welcome) {
      const committed = BigInt(msg.welcome.last_committed_seq);
      this.outbox.ackUpTo(committed);
      this.sentUpTo = committed;
      this.connected = true;
      if (this.lastError) this.log(`connected to ${this.o.target} again; resuming after batch ${committed}`);
      this.lastError = '';
    } else if (msg.ack) {
      this.outbox.ackUpTo(BigInt(msg.ack.seq));
      this.inFlight = Math.max(0, this.inFlight - 1);
    } else if (msg.config) {
      this.o.onConfig?.(msg.config);
    }
    this.pump();
  }

  /** Sends what the window allows. Call after enqueueing. */
  pump(): void {
    const call = this.call;
    if (!call || this.sentUpTo === undefined) return;
    for (const b of this.outbox.pendingAfter(this.sentUpTo)) {
      if (this.inFlight >= this.window) return;
      call.write(b.bytes);
      this.sentUpTo = b.seq;
      this.inFlight++;
    }
  }

  private onBroken(err?: grpc.ServiceError): void {
    this.failures++;
    const refused = err?.code === grpc.status.INVALID_ARGUMENT ? err.metadata?.get(REFUSED_SEQ)[0] : undefined;
    if (typeof refused === 'string' && /^\d+$/.test(refused) && this.outbox.discard(BigInt(refused), `refused by the control plane: ${err!.details}`)) {
      // Resending it forever would stall every later batch: it is kept as a gap, with the reason.
      this.log(`batch ${refused} refused, kept as a gap: ${err!.details}`);
      return;
    }
    const message = err ? describeGrpcError(err, this.o.target) : `control plane at ${this.o.target} closed the stream`;
    if (message !== this.lastError) this.log(`${message}; retrying (nothing is dropped meanwhile)`);
    this.lastError = message;
  }

  /** Why batches are not flowing now; undefined while the stream is open and welcomed. */
  get problem(): string | undefined {
    if (this.connected) return undefined;
    return this.lastError || `not connected to ${this.o.target} yet`;
  }

  /** Waits up to `ms` for the outbox to drain, then closes the stream. */
  async stop(ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.outbox.firstSeq() !== 0n && this.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.trier?.stop();
    const call = this.call;
    this.call = undefined;
    call?.end();
    call?.cancel();
    this.client.close();
  }
}
