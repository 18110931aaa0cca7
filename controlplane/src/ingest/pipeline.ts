/**
 * One batch from a sensor, end to end on the control plane: duplicate check,
 * decoding, validation and detections here, then one transaction for events
 * (stored as the sensor encoded them), gap and
 * alerts on the writer thread, then publication of the new alerts. The caller
 * acknowledges only once ingest() resolves, i.e. after the commit.
 */
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import type { Gap__Output } from '../../../proto/generated/vigil/v1/Gap';
import { VigilError } from '../../../proto/errors';
import { eventCodec } from '../../../proto/loader';
import { gapProblem, seqProblem } from '../../../proto/batch-seq';
import { MAX_BATCH_EVENTS, MAX_EVENT_BYTES, fieldLimitProblem } from '../../../proto/field-limits';
import type { AlertStream } from '../alerts/alert-stream';
import type { DetectionEngine } from '../detections/engine';
import { toBatchRows, type EventsRepo } from '../store/events-repo';
import type { StoreWriter } from '../store/writer';
import { eventProblem } from './validate-event';

export interface IngestResult {
  duplicate: boolean;
  alerts: number;
}

/** Events per second over a sliding window of one-second buckets. */
class RateMeter {
  private readonly buckets = new Map<number, number>();
  add(n: number, nowMs: number): void {
    const s = Math.floor(nowMs / 1000);
    this.buckets.set(s, (this.buckets.get(s) ?? 0) + n);
    for (const k of this.buckets.keys()) if (k < s - 10) this.buckets.delete(k);
  }
  perSecond(nowMs: number, windowS = 5): number {
    const s = Math.floor(nowMs / 1000);
    let sum = 0;
    for (let k = s - windowS; k < s; k++) sum += this.buckets.get(k) ?? 0;
    return sum / windowS;
  }
}

function fieldProblem(ev: Event__Output, encodedBytes: number): string | undefined {
  const problem = fieldLimitProblem('vigil.v1.Event', ev, encodedBytes);
  return problem && `field ${problem}`;
}

export class IngestPipeline {
  private readonly rate = new RateMeter();
  eventsStored: number;
  eventsLost = 0;
  /** Per node, events stored per type (the body's name). */
  readonly storedByType = new Map<string, Map<string, number>>();
  /**
   * Per node, how long before its commit the newest event of its last
   * batch happened: how far behind the node the store is.
   */
  readonly lagMs = new Map<string, number>();

  constructor(
    /** The ingest thread's read connection: counts and resume points. */
    private readonly events: EventsRepo,
    private readonly engine: DetectionEngine,
    private readonly writer: StoreWriter,
    private readonly stream: AlertStream,
  ) {
    this.eventsStored = events.count();
  }

  /**
   * Everything that can refuse a batch happens before the first await, so a
   * refused batch stops its stream before anything after it is queued.
   */
  ingest(node: string, seqText: string, encoded: readonly Uint8Array[], gap: Gap__Output | null): Promise<IngestResult> {
    const problem = seqProblem(seqText);
    if (problem) throw new VigilError('INVALID_ARGUMENT', `batch from ${node}: seq ${problem}`);
    const seq = BigInt(seqText);
    const gapWrong = gap && gapProblem(gap, seq, encoded.length);
    if (gapWrong) throw new VigilError('INVALID_ARGUMENT', `batch ${seqText} from ${node}: its gap ${gapWrong}`);
    if (encoded.length > MAX_BATCH_EVENTS) throw new VigilError('INVALID_ARGUMENT', `batch ${seqText} from ${node} holds ${encoded.length} events (limit ${MAX_BATCH_EVENTS}); nothing of the batch was stored`);
    if (this.events.hasBatch(node, seq)) return Promise.resolve({ duplicate: true, alerts: 0 });
    const { decode } = eventCodec();
    const evs = new Array<Event__Output>(encoded.length);
    for (let i = 0; i < evs.length; i++) {
      if (encoded[i].length > MAX_EVENT_BYTES) throw new VigilError('INVALID_ARGUMENT', `batch ${seqText} from ${node}: event ${i} is ${encoded[i].length} bytes (limit ${MAX_EVENT_BYTES}); nothing of the batch was stored`);
      try {
        evs[i] = decode(encoded[i]);
      } catch (err) {
        throw new VigilError('INVALID_ARGUMENT', `batch ${seqText} from ${node}: event ${i} is not an encoded Event (${(err as Error).message}); nothing of the batch was stored`);
      }
      const problem = eventProblem(evs[i]) ?? fieldProblem(evs[i], encoded[i].length);
      if (problem) throw new VigilError('INVALID_ARGUMENT', `batch ${seqText} from ${node}: event ${i} ${problem}; nothing of the batch was stored`);
    }
    const raised = this.engine.evaluate(node, evs);
    const written = this.writer.writeBatch(node, seq, toBatchRows(evs, encoded), gap, raised);
    // What the commit needs to know, taken now: a closure holding the
    // decoded events would keep a window of batches alive until their
    // commits, long enough for the garbage collector to move them to the
    // old generation, which costs far more to collect.
    const byType = new Map<string, number>();
    let lost = gap ? Number(gap.events) : 0;
    for (const ev of evs) {
      const type = ev.body ?? 'none';
      byType.set(type, (byType.get(type) ?? 0) + 1);
      if (ev.loss) lost += Number(ev.loss.ringbuf_full) + Number(ev.loss.pending_full);
    }
    const stored = evs.length;
    // Events are in the order they happened: the last is the newest.
    const newestNs = stored ? Number(evs[stored - 1].time_unix_nano) : 0;
    return written.then(({ duplicate, fresh }) => {
      if (duplicate) return { duplicate: true, alerts: 0 };
      const now = Date.now();
      this.eventsStored += stored;
      this.rate.add(stored, now);
      let nodeTypes = this.storedByType.get(node);
      if (!nodeTypes) this.storedByType.set(node, (nodeTypes = new Map()));
      for (const [type, n] of byType) nodeTypes.set(type, (nodeTypes.get(type) ?? 0) + n);
      this.eventsLost += lost;
      if (newestNs > 0) this.lagMs.set(node, Math.max(0, now - newestNs / 1e6));
      this.stream.publish(fresh);
      return { duplicate: false, alerts: fresh.length };
    });
  }

  eventsPerSecond(): number {
    return this.rate.perSecond(Date.now());
  }
}
