/** SensorService.StreamEvents: hello → welcome, then batch → commit → ack. */
import * as grpc from '@grpc/grpc-js';
import type { SensorMessageEncoded__Output } from '../../../proto/generated/vigil/v1/SensorMessageEncoded';
import type { ControlMessage } from '../../../proto/generated/vigil/v1/ControlMessage';
import { VigilError } from '../../../proto/errors';
import type { UndecodableMessage } from '../../../proto/loader';
import type { IngestPipeline } from '../ingest/pipeline';
import type { EventsRepo } from '../store/events-repo';
import { MAX_SEQ, REFUSED_SEQ } from '../../../proto/batch-seq';
import { nodeNameProblem } from '../../../proto/node-name';
import { fieldLimitProblem } from '../../../proto/field-limits';
import { authorize, type Authenticator } from './auth';
import type { SensorConfig } from '../../../proto/generated/vigil/v1/SensorConfig';
import type { WatchedPath } from '../../../proto/watched-paths';

/** The table of watched paths, as a SensorConfig carries it. */
function sensorConfig(paths: readonly WatchedPath[]): SensorConfig {
  return { watched_paths: paths.map((p) => ({ path: p.path, category: p.category, access: [...(p.access ?? [])] })) };
}

export class SensorService {
  connected = 0;
  /** Batches refused for what they hold (they become gaps on the sensor), and batches whose commit failed (resent later). */
  readonly refusedBatches = { invalid: 0, store: 0 };
  private config: SensorConfig;
  /** Streams past their welcome, to send a new config to. */
  private readonly welcomed = new Set<grpc.ServerDuplexStream<unknown, ControlMessage>>();

  constructor(
    private readonly auth: Authenticator,
    private readonly pipeline: IngestPipeline,
    private readonly events: EventsRepo,
    private readonly log: (line: string) => void,
    watchedPaths: readonly WatchedPath[],
  ) {
    this.config = sensorConfig(watchedPaths);
  }

  /** Puts a new table of watched paths in force on every sensor: those connected now, and those to come. */
  configure(watchedPaths: readonly WatchedPath[]): void {
    this.config = sensorConfig(watchedPaths);
    for (const call of this.welcomed) call.write({ config: this.config });
  }

  /** For the service from sensorServiceReadingEncodedEvents(): its messages come as SensorMessageEncoded. */
  handlers(): grpc.UntypedServiceImplementation {
    return { StreamEvents: (call: grpc.ServerDuplexStream<SensorMessageEncoded__Output | UndecodableMessage, ControlMessage>) => this.streamEvents(call) };
  }

  private streamEvents(call: grpc.ServerDuplexStream<SensorMessageEncoded__Output | UndecodableMessage, ControlMessage>): void {
    const caller = authorize(this.auth, call, 'send events', 'sensor');
    if ('refusal' in caller) {
      call.emit('error', caller.refusal);
      return;
    }
    const { who } = caller;
    const peer = call.getPeer();
    let node: string | undefined;
    let failed = false;
    // Every batch's commit-then-ack, chained: acks leave in batch order, and
    // the stream ends only after the last one.
    let acked: Promise<void> = Promise.resolve();
    this.connected++;
    let open = true;
    const close = () => {
      if (open) this.connected--;
      open = false;
      this.welcomed.delete(call);
    };
    call.on('cancelled', close);
    call.on('close', close);
    call.on('end', () => {
      close();
      void acked.then(() => {
        if (!failed) call.end();
      });
    });
    call.on('error', close);
    /** Ends the stream with the reason; `refusedSeq` names the batch refused for what it holds. */
    const fail = (err: unknown, refusedSeq?: string) => {
      failed = true;
      const code = !(err instanceof VigilError) ? grpc.status.INTERNAL : err.code === 'INVALID_ARGUMENT' ? grpc.status.INVALID_ARGUMENT : err.code === 'PERMISSION_DENIED' ? grpc.status.PERMISSION_DENIED : grpc.status.INTERNAL;
      this.log(`sensor stream from ${node ?? peer} refused: ${(err as Error).message}`);
      const metadata = new grpc.Metadata();
      if (refusedSeq !== undefined && code === grpc.status.INVALID_ARGUMENT) metadata.set(REFUSED_SEQ, refusedSeq);
      call.emit('error', { code, details: (err as Error).message, metadata });
    };
    call.on('data', (msg: SensorMessageEncoded__Output | UndecodableMessage) => {
      if (failed) return;
      try {
        if ('undecodable' in msg) {
          throw new VigilError('INVALID_ARGUMENT', `stream from ${node ?? peer}: a message that is not a SensorMessage (${msg.undecodable})`);
        } else if (msg.msg === 'hello') {
          const name = msg.hello!.node_name;
          const problem = nodeNameProblem(name) ?? fieldLimitProblem('vigil.v1.Hello', msg.hello);
          if (problem) throw new VigilError('INVALID_ARGUMENT', `hello from ${peer}: ${problem}`);
          if (who.role === 'sensor' && who.name !== name) throw new VigilError('PERMISSION_DENIED', `hello from ${peer}: the credential of node ${who.name} cannot send for node ${name}`);
          node = name;
          const holds = BigInt(/^\d{1,19}$/.test(msg.hello!.last_seq) ? msg.hello!.last_seq : '0');
          call.write({ welcome: { last_committed_seq: String(this.events.committedUpTo(node, holds === 0n ? MAX_SEQ : holds)) } });
          call.write({ config: this.config });
          if (open) this.welcomed.add(call);
        } else if (msg.msg === 'batch') {
          const b = msg.batch!;
          if (!node) throw new VigilError('INVALID_ARGUMENT', `stream from ${peer} sent a batch before its hello`);
          let committed;
          try {
            if (b.node_name !== node) throw new VigilError('INVALID_ARGUMENT', `batch ${b.seq} names node "${b.node_name}" on the stream of "${node}"`);
            committed = this.pipeline.ingest(node, b.seq, b.events, b.gap);
          } catch (err) {
            if (err instanceof VigilError && err.code === 'INVALID_ARGUMENT') this.refusedBatches.invalid++;
            return fail(err, b.seq);
          }
          // Only the seq: holding `b` would keep the batch's bytes until its commit.
          const seq = b.seq;
          acked = acked.then(() => committed).then(
            (result) => {
              if (!failed) call.write({ ack: { seq, duplicate: result.duplicate } });
            },
            (err: unknown) => {
              this.refusedBatches.store++;
              if (!failed) fail(err);
            },
          );
        } else {
          throw new VigilError('INVALID_ARGUMENT', `stream from ${node ?? peer} sent an empty message`);
        }
      } catch (err) {
        fail(err);
      }
    });
  }
}
