/**
 * Values kept by the exact bytes of a message, found without copying the
 * bytes looked up: what the control plane's decoder shares between events
 * and what its store refers to instead of writing again.
 */

/** Entries, and bytes of them, kept by default: past either the cache starts over, so no message's size can make it large. */
const KEPT = 2048;
const KEPT_BYTES = 1024 * 1024;

/**
 * Bytes hashed whole from a message's start: its ids (pids, inode numbers),
 * and an exec's command line, whose commands differ anywhere in their
 * arguments (a probe's port, a job's id).
 */
const HEAD_BYTES = 128;
/** Bytes sampled, evenly spread, from the rest. */
const SAMPLES = 16;

const mix = (h: number, word: number) => Math.imul(h ^ word, 0x01000193);

/**
 * A hash of a message's length, its first bytes and a spread of the rest:
 * bounded work whatever the length (an ancestor's command line may run to
 * kilobytes). Messages that hash alike are told apart by their bytes, so a
 * weak hash costs a comparison, never a wrong decode. The head is read four
 * bytes at a time into two hashes at once, which the processor computes
 * side by side.
 */
export function sampledHash(buf: Buffer, start: number, end: number): number {
  let a = Math.imul(end - start, 0x9e3779b1);
  let b = 0x85ebca6b;
  const head = Math.min(end, start + HEAD_BYTES);
  let i = start;
  for (; i + 8 <= head; i += 8) {
    a = mix(a, buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    b = mix(b, buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24));
  }
  for (; i < head; i++) a = mix(a, buf[i]);
  const step = Math.max(1, Math.floor((end - head) / SAMPLES));
  for (i = end - 1; i >= head; i -= step) b = mix(b, buf[i]);
  return (a ^ Math.imul(b, 0xc2b2ae35)) & 0x3fffffff; // a small integer: V8 keeps it unboxed
}

/** Entries kept under one hash at most: past it, more that hash alike go without the cache. */
const MAX_ALIKE = 4;

/** Below this length a loop compares faster than a call into Buffer.compare. */
const LOOP_COMPARE_BYTES = 48;

function sameBytes(kept: Buffer, buf: Buffer, start: number, end: number): boolean {
  const n = end - start;
  if (kept.length !== n) return false;
  if (n > LOOP_COMPARE_BYTES) return buf.compare(kept, 0, n, start, end) === 0;
  for (let i = 0; i < n; i++) if (kept[i] !== buf[start + i]) return false;
  return true;
}

interface Entry<V> {
  bytes: Buffer;
  value: V;
  /** The next entry whose bytes hash alike. */
  next: Entry<V> | undefined;
}

/**
 * Values by the exact bytes of a message, found by sampledHash and checked
 * byte for byte: a repeat is found without copying its bytes, and only a
 * message kept has its bytes copied. Starts over past its bound of entries
 * or of bytes.
 */
export class BoundedByBytes<V> {
  private readonly entries = new Map<number, Entry<V>>();
  private count = 0;
  private bytes = 0;

  constructor(
    private readonly maxEntries = KEPT,
    private readonly maxBytes = KEPT_BYTES,
  ) {}

  get(buf: Buffer, start: number, end: number, hash: number): V | undefined {
    for (let e = this.entries.get(hash); e; e = e.next) if (sameBytes(e.bytes, buf, start, end)) return e.value;
    return undefined;
  }

  set(buf: Buffer, start: number, end: number, hash: number, value: V): void {
    // Command lines are the sender's to choose, and the hash samples fixed
    // places: messages made to hash alike are not kept past a few, so that
    // no lookup walks a long chain of them.
    let alike = 0;
    for (let e = this.entries.get(hash); e; e = e.next) if (++alike >= MAX_ALIKE) return;
    if (this.count >= this.maxEntries || this.bytes + (end - start) > this.maxBytes) this.clear();
    // A copy: the batch's buffer is not kept alive by its messages.
    this.entries.set(hash, { bytes: Buffer.from(buf.subarray(start, end)), value, next: this.entries.get(hash) });
    this.count++;
    this.bytes += end - start;
  }

  clear(): void {
    this.entries.clear();
    this.count = 0;
    this.bytes = 0;
  }

  /** Whether these bytes were there; they are not after. */
  take(buf: Buffer, start: number, end: number, hash: number): boolean {
    let prev: Entry<V> | undefined;
    for (let e = this.entries.get(hash); e; prev = e, e = e.next) {
      if (!sameBytes(e.bytes, buf, start, end)) continue;
      if (prev) prev.next = e.next;
      else if (e.next) this.entries.set(hash, e.next);
      else this.entries.delete(hash);
      this.count--;
      this.bytes -= e.bytes.length;
      return true;
    }
    return false;
  }
}
