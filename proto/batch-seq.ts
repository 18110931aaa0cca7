/**
 * How a sensor numbers its batches, known to both ends. seq = epoch << 23 |
 * counter: the counter runs from 1 within an epoch; the epoch is a
 * millisecond clock since 2025, kept above every epoch the sensor used
 * before (it is persisted), so a restarted sensor never reuses a seq. Within
 * an epoch seqs are consecutive: a counter that skips is a gap.
 */
import type { Gap__Output } from './generated/vigil/v1/Gap';

export const COUNTER_BITS = 23n;
export const COUNTER_MAX = (1n << COUNTER_BITS) - 1n;
/** 2025-01-01T00:00:00Z: keeps epochs far below 2^40 for decades. */
export const EPOCH_BASE_MS = 1_735_689_600_000;
/** Trailing metadata of an INVALID_ARGUMENT that names the batch refused. */
export const REFUSED_SEQ = 'vigil-refused-seq';
/** What SQLite's INTEGER holds. */
export const MAX_SEQ = (1n << 63n) - 1n;
/** A sensor's clock may run this far ahead of the control plane's. */
const FUTURE_SLACK_MS = 86_400_000;

export function seqOf(epoch: bigint, counter: bigint): bigint {
  return (epoch << COUNTER_BITS) | counter;
}

export function epochOf(seq: bigint): bigint {
  return seq >> COUNTER_BITS;
}

export function counterOf(seq: bigint): bigint {
  return seq & COUNTER_MAX;
}

/** The epoch a sensor starting now would use, before it is kept above the last one. */
export function epochNow(nowMs = Date.now()): bigint {
  return BigInt(nowMs - EPOCH_BASE_MS);
}

/** Why `text` is not a batch sequence number a sensor could have sent, or undefined. */
export function seqProblem(text: string, nowMs = Date.now()): string | undefined {
  if (!/^\d{1,20}$/.test(text)) return `"${text.slice(0, 30)}" is not a sequence number`;
  const seq = BigInt(text);
  if (seq < 1n || seq > MAX_SEQ) return `${text} is out of range (1 to 2^63-1)`;
  if (counterOf(seq) === 0n) return `${text} has no counter part (counters start at 1)`;
  if (epochOf(seq) > epochNow(nowMs + FUTURE_SLACK_MS)) return `${text} is from ${new Date(Number(epochOf(seq)) + EPOCH_BASE_MS).toISOString().slice(0, 10)}, more than a day ahead of this control plane's clock`;
  return undefined;
}

/**
 * The seqs missing between the last committed batch and `seq`: within one
 * epoch, the counters skipped; into a new epoch, the epoch's counters before
 * `seq`. Undefined when nothing is missing (or `seq` is older: a resend).
 */
export function skippedBefore(lastCommitted: bigint, seq: bigint): { first: bigint; last: bigint } | undefined {
  if (lastCommitted === 0n || seq <= lastCommitted + 1n) return undefined;
  const epoch = epochOf(seq);
  const first = epochOf(lastCommitted) === epoch ? lastCommitted + 1n : seqOf(epoch, 1n);
  return first < seq ? { first, last: seq - 1n } : undefined;
}

/**
 * Why a batch's Gap cannot be what it says, or undefined. A gap names seqs
 * before its batch, or ends at the batch itself when the batch carries no
 * events: a batch the control plane refused is resent as the gap that
 * replaces it, under its own seq, so the order of seqs is kept.
 */
export function gapProblem(gap: Gap__Output, batchSeq: bigint, batchEvents: number, nowMs = Date.now()): string | undefined {
  for (const f of ['first_seq', 'last_seq', 'events', 'from_unix_nano', 'to_unix_nano'] as const) if (!/^\d{1,20}$/.test(gap[f])) return `${f} "${gap[f].slice(0, 30)}" is not a number`;
  const first = BigInt(gap.first_seq);
  const last = BigInt(gap.last_seq);
  const upTo = batchEvents ? batchSeq - 1n : batchSeq;
  if (first < 1n || first > last || last > upTo) return `range ${first} to ${last} is not a range of seqs up to ${upTo} (a gap ends before its batch, or at it when the batch has no events)`;
  if (BigInt(gap.events) > MAX_SEQ) return `events ${gap.events} is out of range`;
  const from = BigInt(gap.from_unix_nano);
  const to = BigInt(gap.to_unix_nano);
  if ((from || to) && (from > to || to > BigInt(nowMs + FUTURE_SLACK_MS) * 1_000_000n)) return `window ${from} to ${to} (ns) is not a window of time up to now`;
  if (gap.reason.length > 4096) return `reason is ${gap.reason.length} characters (limit 4096)`;
  return undefined;
}
