/**
 * How every `vigil` command reads values from its flags: one grammar each
 * for durations, sizes, times and counts, strict (a value that is not
 * exactly one of them is a usage error, exit status 2) and bounded (what
 * the program can hold: a timer's 2^31-1 ms, a ring buffer's 1 GiB).
 * commander calls a parser with the option's previous value as a second
 * argument, so every exported parser takes the value alone; bounds come
 * from the `…UpTo` makers.
 */
import { InvalidArgumentError, Option } from 'commander';

const MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Longest duration a Node.js timer can wait. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

function human(ms: number): string {
  for (const [unit, size] of [['w', MS.w], ['d', MS.d], ['h', MS.h], ['m', MS.m], ['s', MS.s]] as const) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** "500ms", "90s", "15m", "7d" → milliseconds, between `min` and `max`. */
function readDuration(value: string, max: number, min: number): number {
  const m = /^(\d{1,15})(ms|s|m|h|d|w)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`"${value}" is not a duration: a number and one of ms, s, m, h, d, w (e.g. 30s, 7d)`);
  const ms = Number(m[1]) * MS[m[2]];
  if (ms < min || ms > max) throw new InvalidArgumentError(`"${value}" is out of range: between ${human(min)} and ${human(max)}`);
  return ms;
}

/** A duration flag of at most what a timer can wait. */
export function parseDuration(value: string): number {
  return readDuration(value, MAX_TIMER_MS, 1);
}

/** A duration flag with its own bounds. */
export function durationUpTo(max: number, min = 1): (value: string) => number {
  return (value) => readDuration(value, max, min);
}

const BYTES: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** "4096", "512KiB", "8MiB", "1GiB" (the B and i may go) → bytes, between `min` and `max`. */
function readSize(value: string, max: number, min: number): number {
  const m = /^(\d{1,15})\s*([KMGT]?)(i?B)?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`"${value}" is not a size: a number of bytes, or with KiB, MiB, GiB, TiB (e.g. 512MiB)`);
  const bytes = Number(m[1]) * BYTES[m[2].toUpperCase()];
  if (bytes < min || bytes > max) throw new InvalidArgumentError(`"${value}" is out of range: between ${min} and ${max} bytes`);
  return bytes;
}

/** A size flag of at most 1 PiB. */
export function parseSize(value: string): number {
  return readSize(value, 1024 ** 5, 1);
}

/** The kernel ring buffer's size unless a flag says otherwise: room for a few seconds of an exec storm's records. */
export const DEFAULT_RING_BYTES = 8 * 1024 * 1024;

/** A ring buffer size: a power of two from one page to 1 GiB. */
export function parseRingBytes(value: string): number {
  const bytes = readSize(value, 1024 ** 3, 4096);
  if ((bytes & (bytes - 1)) !== 0) throw new InvalidArgumentError(`ring buffer size must be a power of two (4KiB, 8MiB, 16MiB...), got ${value}`);
  return bytes;
}

/** 8388608 → "8MiB": the largest unit that divides it exactly. */
function humanSize(bytes: number): string {
  for (const unit of ['T', 'G', 'M', 'K'] as const) if (bytes >= BYTES[unit] && bytes % BYTES[unit] === 0) return `${bytes / BYTES[unit]}${unit}iB`;
  return String(bytes);
}

/**
 * A flag with a duration or size default, shown in help as a user would
 * type it ("200ms", "8MiB"): commander would print the number the program
 * keeps, and a user who copied it back got a usage error.
 */
export function durationOption(flags: string, description: string, parse: (value: string) => number, defaultMs: number): Option {
  return new Option(flags, description).argParser(parse).default(defaultMs, human(defaultMs));
}

export function sizeOption(flags: string, description: string, parse: (value: string) => number, defaultBytes: number): Option {
  return new Option(flags, description).argParser(parse).default(defaultBytes, humanSize(defaultBytes));
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A point in time: an ISO 8601 date or date-time, or a duration meaning
 * "that long ago" (15m). Anything else (a bare "1", "yesterday") is refused.
 */
export function parseTime(value: string): number {
  const v = value.trim();
  if (/^\d+(ms|s|m|h|d|w)$/.test(v)) return Date.now() - readDuration(v, 100 * 365 * MS.d, 1);
  const t = ISO_8601.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new InvalidArgumentError(`"${value}" is not a time: give an ISO 8601 date or date-time (2026-11-28, 2026-11-28T10:00:00Z) or a duration ago (15m)`);
  return t;
}

/** A count or an id: a whole number from 1 to `max`. */
export function intUpTo(max: number): (value: string) => number {
  return (value) => {
    if (!/^[1-9]\d{0,14}$/.test(value) || Number(value) > max) throw new InvalidArgumentError(`"${value}" is not a whole number from 1 to ${max}`);
    return Number(value);
  };
}

export const parsePositiveInt = intUpTo(999_999_999);

/** A comma list of names from `allowed` (at least one), e.g. `exec, mount`: a parser naming what it expects. */
export function listOf<T extends string>(allowed: readonly T[], what: string): (value: string) => T[] {
  return (value) => {
    const names = value.split(',').map((s) => s.trim()).filter(Boolean);
    for (const n of names) if (!allowed.includes(n as T)) throw new InvalidArgumentError(`unknown ${what} "${n}"; expected a comma list of ${allowed.join(', ')}`);
    if (names.length === 0) throw new InvalidArgumentError(`expected at least one ${what}`);
    return names as T[];
  };
}

/**
 * For options given more than once. Declared without a default: commander
 * would show an empty list as "(default: [])" in help.
 */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
