/**
 * The cluster view's hold on one node control plane: asks who it is (its
 * store identity and node names), then follows its alert stream from the
 * last alert taken from that store, handing what arrives to the fan-in in
 * batches. Whatever ends the stream (the node restarts, the network drops,
 * a write fails), the next attempt starts from what the store committed, so
 * nothing is skipped and the fan-in drops what was taken already. Attempts
 * are spaced by proto/retry.ts; an unreachable node is logged when it
 * becomes so and shown in Status, and holds up no other node.
 */
import * as grpc from '@grpc/grpc-js';
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import type { ClusterNodeStatus } from '../../../proto/generated/vigil/v1/ClusterNodeStatus';
import type { QueryServiceClient } from '../../../proto/generated/vigil/v1/QueryService';
import type { StatusResponse__Output } from '../../../proto/generated/vigil/v1/StatusResponse';
import { describeGrpcError } from '../../../proto/client-connection';
import { loadVigilProtos } from '../../../proto/loader';
import { keepTrying, type Trier } from '../../../proto/retry';
import type { NodeAlertsFanIn } from './fan-in';
import type { NodeLink } from './node-link';

/** Alerts stored per write: one transaction each. */
const BATCH = 1000;
/** Alerts waiting for the store before the node's stream is paused (the node buffers, then cuts us off; we resume). */
const PAUSE_AT = 5 * BATCH;
const STATUS_DEADLINE_MS = 5000;
/**
 * A node that vanishes without closing its connections (powered off, cut
 * off by the network) would leave an idle alert stream open forever:
 * pings find it out. grpc-js servers accept pings at any rate.
 */
const CHANNEL_OPTIONS = { 'grpc.keepalive_time_ms': 20_000, 'grpc.keepalive_timeout_ms': 10_000, 'grpc.keepalive_permit_without_calls': 1 };

export class NodeSubscription {
  readonly query: QueryServiceClient;
  private readonly alerts;
  private trier: Trier | undefined;
  private call: grpc.ClientReadableStream<Alert__Output> | undefined;
  private stopped = false;
  private storeId = '';
  private readonly names = new Set<string>();
  private connected = false;
  private lastError = '';
  private received = 0;
  private resumeAfter = 0;
  private pending: Alert__Output[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private flushScheduled = false;

  constructor(
    readonly address: string,
    private readonly link: NodeLink,
    private readonly fanIn: NodeAlertsFanIn,
    private readonly log: (line: string) => void,
    /** Hint from discovery: the Kubernetes node the pod runs on. */
    hintName?: string,
  ) {
    const { AlertService, QueryService } = loadVigilProtos().vigil.v1;
    const options = { ...CHANNEL_OPTIONS, ...link.channelOptions };
    this.alerts = new AlertService(address, link.credentials, options);
    this.query = new QueryService(address, link.credentials, options);
    if (hintName) this.names.add(hintName);
  }

  start(): void {
    this.trier = keepTrying(() => this.attempt(), { minMs: 500, maxMs: 30_000 });
  }

  /** The node names this node control plane holds events of, as it reports them (and as its alerts name them). */
  nodeNames(): string[] {
    return [...this.names];
  }

  status(): ClusterNodeStatus {
    return {
      address: this.address,
      node_names: this.nodeNames(),
      connected: this.connected,
      last_error: this.connected ? '' : this.lastError,
      alerts_received: String(this.received),
      resume_after_id: String(this.resumeAfter),
      store_id: this.storeId,
    };
  }

  /** Asks the node who it is; learns its store identity and node names. */
  async refresh(md = this.link.metadata(this.address)): Promise<StatusResponse__Output> {
    const status = await new Promise<StatusResponse__Output>((resolve, reject) =>
      this.query.Status({}, md, { deadline: Date.now() + STATUS_DEADLINE_MS }, (err, res) => (err ? reject(new Error(describeGrpcError(err, this.address))) : resolve(res!))),
    );
    if (!status.store_id) throw new Error(`control plane at ${this.address} reports no store identity: it runs an older vigil; upgrade it`);
    for (const n of status.node_names) this.names.add(n);
    return status;
  }

  private attempt(): Promise<'again'> {
    return this.follow().catch((err: Error) => {
      this.connected = false;
      if (err.message !== this.lastError && !this.stopped) this.log(`node ${this.address} unreachable: ${err.message}; trying again, the other nodes go on`);
      this.lastError = err.message;
      throw err;
    });
  }

  private async follow(): Promise<'again'> {
    // What the last stream handed over is committed before the cursor is read.
    await this.flushing;
    if (this.stopped) return 'again';
    const md = this.link.metadata(this.address);
    const status = await this.refresh(md);
    if (status.store_id !== this.storeId && this.storeId) this.log(`node ${this.address} has a new store (${status.store_id}, was ${this.storeId}): following it from its first alert`);
    this.storeId = status.store_id;
    const origin = { address: this.address, storeId: status.store_id };
    this.resumeAfter = this.fanIn.cursor(origin.storeId);
    return new Promise<'again'>((resolve, reject) => {
      let delivered = false;
      const call = (this.call = this.alerts.Subscribe({ after_id: String(this.resumeAfter) }, md));
      this.connected = true;
      this.lastError = '';
      this.log(`node ${this.address} (${this.nodeNames().join(', ') || 'no node name yet'}): following its alerts after id ${this.resumeAfter}`);
      call.on('data', (a: Alert__Output) => {
        delivered = true;
        if (a.node_name) this.names.add(a.node_name);
        this.pending.push(a);
        if (this.pending.length >= PAUSE_AT) call.pause();
        this.scheduleFlush(origin, call);
      });
      let over = false;
      const ended = (err?: grpc.ServiceError) => {
        if (over) return;
        over = true;
        this.connected = false;
        const why = err ? describeGrpcError(err, this.address) : `control plane at ${this.address} ended the alert stream`;
        if (delivered && !this.stopped) {
          this.lastError = why;
          this.log(`node ${this.address}: ${why}; resuming`);
          resolve('again');
        } else reject(new Error(why));
      };
      call.on('error', ended);
      call.on('end', () => ended());
    });
  }

  private scheduleFlush(origin: { address: string; storeId: string }, call: grpc.ClientReadableStream<Alert__Output>): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.flushing = this.flushing.then(async () => {
      this.flushScheduled = false;
      while (this.pending.length) {
        const batch = this.pending.splice(0, BATCH);
        try {
          this.received += await this.fanIn.take(origin, batch);
          this.resumeAfter = Number(batch[batch.length - 1].id);
        } catch (err) {
          // Not stored: dropped here and asked for again from the committed cursor.
          this.pending = [];
          this.log(`node ${this.address}: storing its alerts failed (${(err as Error).message}); asking for them again`);
          call.cancel();
          return;
        }
        if (this.pending.length < PAUSE_AT) call.resume();
      }
    });
  }

  stop(): void {
    this.stopped = true;
    this.trier?.stop();
    this.call?.cancel();
    this.alerts.close();
    this.query.close();
  }
}
