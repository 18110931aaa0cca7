/**
 * Watched paths → the kernel's watch table (vigil_event.h): LPM keys of
 * [generation][table][path] with their values. Table 0 holds whole prefixes
 * and wildcard heads; each distinct wildcard head gets a table of its own
 * for the tails after its "*" component. The addon fills in the generation.
 */
import type { FileAccessKind, RecordLayout } from '../../../native';
import { FILE_ACCESS_KINDS, VigilError } from '../../../native';
import { validateWatchedPaths, type WatchedPath } from '../../../proto/watched-paths';

/**
 * Names that reach other files: a file opened through them is judged by its
 * real path, not by the name (/proc/<pid>/root/etc/shadow, /proc/self/fd/3,
 * /dev/fd/3). A pattern with the same path takes their place.
 */
export const RESOLVE_PREFIXES: readonly string[] = ['/proc/', '/dev/fd/'];

/** One key of the table and its value, before encoding. */
export interface WatchEntry {
  table: number;
  path: string;
  entry: number;
  kind: number;
  tail: number;
  headLen: number;
  access: number;
}

function accessBits(layout: RecordLayout, access: readonly FileAccessKind[] | undefined): number {
  return (access ?? FILE_ACCESS_KINDS).reduce((bits, a) => bits | layout.access[a], 0);
}

/**
 * The kernel's first filter: a bit for each pair of bytes that follows the
 * leading '/' of some head (NUL past its end), little-endian u64 words. A
 * head shorter than that ("/" or "/x") stands for every pair it begins.
 */
function pairBitmap(words: number, heads: readonly string[]): Buffer {
  const bits = Buffer.alloc(words * 8);
  const set = (pair: number) => (bits[pair >> 3] |= 1 << (pair & 7));
  for (const head of heads) {
    const b = Buffer.from(head);
    if (b.length < 2) for (let p = 0; p < 65536; p++) set(p);
    else if (b.length < 3) for (let second = 0; second < 256; second++) set((b[1] << 8) | second);
    else set((b[1] << 8) | b[2]);
  }
  return bits;
}

/** Compiles `paths` (validated first) into the buffer the addon writes. */
export function compileWatchTable(layout: RecordLayout, paths: readonly WatchedPath[]): Buffer {
  const w = layout.watch;
  validateWatchedPaths(paths, w.maxPatterns, w.pathLen);
  const heads = new Map<string, WatchEntry>();
  const tails: WatchEntry[] = [];
  let nextTable = 1;
  const head = (path: string): WatchEntry => {
    let e = heads.get(path);
    if (!e) {
      e = { table: 0, path, entry: w.noEntry, kind: w.match, tail: 0, headLen: Buffer.byteLength(path), access: 0 };
      heads.set(path, e);
    }
    return e;
  };
  paths.forEach((p, i) => {
    const access = accessBits(layout, p.access);
    const star = p.path.indexOf('/*');
    if (star === -1) {
      Object.assign(head(p.path), { entry: i, access });
      return;
    }
    const h = head(p.path.slice(0, star + 1));
    if (h.tail === 0) {
      if (nextTable > 255) throw new VigilError('INVALID_ARGUMENT', `watchedPaths[${i}] ${JSON.stringify(p.path)}: more than 255 distinct heads before a "*"`);
      h.tail = nextTable++;
    }
    tails.push({ table: h.tail, path: p.path.slice(star + 3), entry: i, kind: w.match, tail: 0, headLen: 0, access });
  });
  for (const path of RESOLVE_PREFIXES)
    if (!heads.has(path)) heads.set(path, { table: 0, path, entry: w.noEntry, kind: w.resolve, tail: 0, headLen: path.length, access: 0 });

  const all = [...heads.values(), ...tails];
  const bitmap = pairBitmap(w.pairWords, [...heads.keys()]);
  const pair = w.key.size + w.value.size;
  const out = Buffer.alloc(bitmap.length + all.length * pair);
  bitmap.copy(out, 0);
  all.forEach((e, i) => {
    const k = bitmap.length + i * pair;
    const path = Buffer.from(e.path);
    out.writeUInt32LE((2 + path.length) * 8, k + w.key.prefixlen);
    out.writeUInt8(e.table, k + w.key.table);
    path.copy(out, k + w.key.path);
    const v = k + w.key.size;
    out.writeUInt16LE(e.entry, v + w.value.entry);
    out.writeUInt8(e.kind, v + w.value.kind);
    out.writeUInt8(e.tail, v + w.value.tail);
    out.writeUInt16LE(e.headLen, v + w.value.head_len);
    out.writeUInt16LE(e.access, v + w.value.access);
  });
  return out;
}

/**
 * The tables recently in force, by the generation the kernel stamps on each
 * record, so a record decoded after a replacement still names its pattern.
 * Generations count up modulo 256; a few are kept for records in flight.
 */
export class WatchTables {
  private readonly byGen = new Map<number, readonly WatchedPath[]>();

  constructor(private readonly keep = 4) {}

  set(gen: number, paths: readonly WatchedPath[]): void {
    this.byGen.delete(gen);
    this.byGen.set(gen, paths);
    while (this.byGen.size > this.keep) this.byGen.delete(this.byGen.keys().next().value!);
  }

  /** The pattern `entry` of generation `gen`, if still known. */
  pattern(gen: number, entry: number): WatchedPath | undefined {
    return this.byGen.get(gen)?.[entry];
  }

  /** The table in force: the last one set. */
  current(): readonly WatchedPath[] {
    return [...this.byGen.values()].pop() ?? [];
  }
}
