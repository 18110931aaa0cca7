/**
 * Typed surface of the native addon: loads the compiled module, validates
 * options with precise errors, and maps native failures to VigilError codes.
 * Nothing here interprets records; sensor/src/decode does.
 */
import * as path from 'node:path';
import { VigilError } from '../proto/errors';

export { VigilError } from '../proto/errors';

export type EventKind = 'exec' | 'fork' | 'exit' | 'connect' | 'mount' | 'file';
export const EVENT_KINDS: readonly EventKind[] = ['exec', 'fork', 'exit', 'connect', 'mount', 'file'];

import type { FileAccessKind } from '../proto/watched-paths';

export { FILE_ACCESS_KINDS, type FileAccessKind } from '../proto/watched-paths';

/** The file calls the kernel reports (enum vigil_file_call). */
export type FileCallName =
  | 'open' | 'openat' | 'openat2' | 'creat' | 'open_by_handle_at' | 'unlink' | 'unlinkat' | 'truncate'
  | 'ftruncate' | 'rename' | 'renameat' | 'renameat2' | 'link' | 'linkat' | 'symlink' | 'symlinkat';

type Offsets<K extends string> = { readonly size: number } & { readonly [F in K]: number };

/** Struct sizes and offsets of native/include/vigil_event.h, from the addon. */
export interface RecordLayout {
  readonly schemaVersion: number;
  readonly counters: number;
  readonly types: number;
  readonly execArgsTruncated: number;
  readonly execFilenameTruncated: number;
  readonly execInterpreted: number;
  readonly exeFlags: { readonly present: number; readonly overlay: number; readonly upper: number; readonly layerUnreadable: number; readonly memfd: number };
  readonly eventTypes: { readonly [K in EventKind]: number };
  readonly counterIds: {
    readonly emitted: number;
    readonly ringbufFull: number;
    readonly pendingFull: number;
    readonly filtered: number;
    readonly unresolved: number;
  };
  readonly mountCalls: { readonly mount: number; readonly moveMount: number; readonly fsmount: number };
  readonly limits: {
    readonly comm: number;
    readonly cgroupName: number;
    readonly filename: number;
    readonly args: number;
    readonly path: number;
    readonly fstype: number;
    readonly sockaddr: number;
    readonly dname: number;
  };
  readonly hdr: Offsets<
    | 'type' | 'version' | 'size' | 'boot_ns' | 'pid' | 'tgid' | 'ppid' | 'uid' | 'gid'
    | 'mnt_ns' | 'pid_ns' | 'net_ns' | 'cgroup_id' | 'ns_pid' | 'comm' | 'cgroup_name'
  >;
  readonly exec: Offsets<
    | 'euid' | 'flags' | 'cap_effective' | 'has_tty' | 'args_len' | 'argc' | 'binary' | 'script'
    | 'parent_comm' | 'filename' | 'interp' | 'args'
  >;
  /** Offsets inside a vigil_exe_file (exec's `binary` and `script` slots). */
  readonly exe: Offsets<'ino' | 'size' | 'dev' | 'nlink' | 'flags' | 'name'>;
  readonly fork: Offsets<'child_pid' | 'child_tgid'>;
  readonly exit: Offsets<'exit_code'>;
  readonly connect: Offsets<'result' | 'fd' | 'addr_len' | 'addr'>;
  readonly mount: Offsets<'result' | 'call' | 'flags' | 'fd' | 'source' | 'target' | 'fstype'>;
  readonly file: Offsets<
    'result' | 'call' | 'entry' | 'flags' | 'dirfd' | 'gen' | 'resolution' | 'access' | 'truncated' | 'path' | 'name' | 'other'
  >;
  /** The watch table's LPM key and value, as the addon writes them. */
  readonly watch: {
    readonly pathLen: number;
    readonly pairWords: number;
    readonly maxPatterns: number;
    readonly noEntry: number;
    readonly match: number;
    readonly resolve: number;
    readonly key: Offsets<'prefixlen' | 'gen' | 'table' | 'path'>;
    readonly value: Offsets<'entry' | 'kind' | 'tail' | 'head_len' | 'access'>;
  };
  readonly access: { readonly [K in FileAccessKind]: number };
  readonly fileCalls: { readonly [K in FileCallName]: number };
  readonly resolutions: { readonly asGiven: number; readonly file: number; readonly lexical: number };
}

/** One delivery from the drain thread. */
export interface RawBatch {
  /** Records framed as [u32 little-endian length][record]. */
  readonly data: Buffer;
  readonly records: number;
  /** Counter deltas since the previous batch, [type * layout.counters + counter]. */
  readonly deltas: number[];
  /** Set on the last batch when the drain thread had to stop. */
  readonly error?: string;
}

export interface NativeSensorOptions {
  /** Ring buffer bytes: a power of two, at least one page. */
  ringBytes: number;
  kinds: readonly EventKind[];
  /** Process whose own activity the kernel must not report (0: none). */
  selfTgid: number;
  batchRecords: number;
  flushMs: number;
  /** The file hooks' first watch table, compiled (sensor/src/file-watch); needed with kind "file". */
  watchTable?: Buffer;
  /** bpffs path to pin the counters map at, so its totals outlive the process (default: not pinned). */
  countersPin?: string;
}

export interface NativeSensorHandle {
  /** Loads and attaches; returns the generation of the first watch table (0 without file hooks). */
  start(): number;
  stop(): Promise<void>;
  /** This run's totals, [type * layout.counters + counter]. */
  counters(): number[];
  /** The pinned counters as earlier runs left them (zeros when not pinned, or new), and the map's id. */
  countersBefore(): { mapId: number; counters: number[] };
  /** Replaces the watch table at once; returns its generation. */
  setWatchTable(table: Buffer): number;
}

interface Addon {
  Sensor: new (options: object, onBatch: (batch: RawBatch) => void) => NativeSensorHandle;
  layout: RecordLayout;
  clocks(): { realtimeNs: bigint; boottimeNs: bigint };
  missingFeatures(): { file: string };
}

let addon: Addon | undefined;

function loadAddon(): Addon {
  if (addon) return addon;
  // This file runs as dist/native/index.js, two levels below the root.
  const file = path.resolve(__dirname, '..', '..', 'build', 'Release', 'vigil.node');
  try {
    addon = require(file) as Addon;
  } catch (cause) {
    throw new VigilError('ADDON_MISSING', `load native addon ${file}: ${(cause as Error).message}; run npm install (or npm run build:native)`, { cause });
  }
  return addon;
}

export function recordLayout(): RecordLayout {
  return loadAddon().layout;
}

/**
 * Event kinds this kernel cannot serve, each with the reason (the file hooks
 * need Linux >= 5.15). The default set of kinds leaves them out; asking for
 * one explicitly fails with that reason.
 */
export function unavailableKinds(): Partial<Record<EventKind, string>> {
  const missing = loadAddon().missingFeatures();
  return missing.file ? { file: missing.file } : {};
}

/** Offset to add to a record's boot_ns to get Unix time in nanoseconds. */
export function bootToUnixOffsetNs(): bigint {
  const c = loadAddon().clocks();
  return c.realtimeNs - c.boottimeNs;
}

const PAGE = 4096;

function validate(o: NativeSensorOptions): void {
  const { ringBytes, batchRecords, flushMs, kinds } = o;
  if (!Number.isInteger(ringBytes) || ringBytes < PAGE || ringBytes > 2 ** 30 || (ringBytes & (ringBytes - 1)) !== 0)
    throw new VigilError('INVALID_ARGUMENT', `ringBytes must be a power of two between ${PAGE} and 1 GiB, got ${ringBytes}`);
  if (!Number.isInteger(batchRecords) || batchRecords < 1 || batchRecords > 65536)
    throw new VigilError('INVALID_ARGUMENT', `batchRecords must be an integer from 1 to 65536, got ${batchRecords}`);
  if (!Number.isInteger(flushMs) || flushMs < 1 || flushMs > 10_000)
    throw new VigilError('INVALID_ARGUMENT', `flushMs must be an integer from 1 to 10000, got ${flushMs}`);
  if (kinds.length === 0) throw new VigilError('INVALID_ARGUMENT', 'at least one event type must be enabled');
  for (const k of kinds)
    if (!EVENT_KINDS.includes(k))
      throw new VigilError('INVALID_ARGUMENT', `unknown event type "${k}"; expected one of ${EVENT_KINDS.join(', ')}`);
}

function classify(message: string): VigilError {
  const code = message.includes('privileges') || message.includes('EPERM')
    ? 'PERMISSION_DENIED'
    : message.includes('too old') || message.includes('BTF') || message.includes('Linux >=')
      ? 'UNSUPPORTED_KERNEL'
      : 'BPF_LOAD_FAILED';
  return new VigilError(code, message);
}

/** Loads and attaches the BPF programs; batches arrive on `onBatch`. */
export function startNativeSensor(
  options: NativeSensorOptions,
  onBatch: (batch: RawBatch) => void,
): { handle: NativeSensorHandle; watchGeneration: number } {
  validate(options);
  const { Sensor, layout } = loadAddon();
  let typeMask = 0;
  for (const k of options.kinds) typeMask |= 1 << layout.eventTypes[k];
  const handle = new Sensor(
    {
      ringBytes: options.ringBytes,
      typeMask,
      selfTgid: options.selfTgid,
      batchRecords: options.batchRecords,
      flushMs: options.flushMs,
      watchTable: options.watchTable,
      countersPin: options.countersPin,
    },
    onBatch,
  );
  try {
    return { handle, watchGeneration: handle.start() };
  } catch (err) {
    throw classify((err as Error).message);
  }
}
