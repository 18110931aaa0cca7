/**
 * How big any field that comes from outside may be: every string, repeated
 * field and map of a message, found by walking the message type as the
 * .proto declares it (a field added to the contract is bounded the day it
 * is added). The bounds are far above what a sensor sends, and far below
 * what would let one peer bloat the store or slow the rules for everyone.
 */
import type * as protobuf from 'protobufjs';
import { messageType } from './loader';
import { isSharedDecode } from './repeat-decode';

/** Events in one batch: a sensor splits what it has into batches of at most this many. */
export const MAX_BATCH_EVENTS = 65_536;
/** Bytes of one encoded event: bounds what a field-by-field check has to read. */
export const MAX_EVENT_BYTES = 256 * 1024;

/** Characters of a string field, unless named below (PATH_MAX: paths are the longest honest strings). */
export const STRING_CHARS = 4096;
/** Entries of a repeated field or a map, unless named below. */
export const ENTRIES = 1024;
/** Per field, by `Message.field`: tighter or looser than the defaults, and why. */
const NAMED: Record<string, number> = {
  // TASK_COMM_LEN
  'Process.comm': 16,
  'ProcessNode.comm': 16,
  'Exec.parent_comm': 16,
  // Container ids are 64 hex characters; cgroup names add a runtime prefix and suffix.
  'Container.id': 128,
  'Container.cgroup_name': 256,
  // The sensor walks a bounded number of ancestors.
  'Event.ancestry': 64,
  // The kernel copies up to 4096 bytes of NUL-separated arguments: as many empty ones.
  'Exec.argv': 4096,
  'Process.argv': 4096,
  'ProcessNode.argv': 4096,
  // A path of PATH_MAX, and the " (deleted)" the kernel appends to an unlinked one.
  'Process.exe': 4112,
  'ProcessNode.exe': 4112,
};

/**
 * Checks one value at path `at`, read from at most `bytes` of encoded input
 * (nothing in it can be longer: what cannot break a bound is not looked at);
 * with `fix`, cuts what is over its bound instead (through `set`, for a
 * value that cannot be cut in place) and goes on.
 */
type Check = (value: unknown, at: string, bytes: number, fix: boolean, set: (v: unknown) => void) => string | undefined;

/** A check, and the fewest encoded bytes that could break a bound it checks. */
interface Compiled {
  check: Check;
  floor: number;
}

const compiled = new Map<string, Compiled>();

function limitOf(type: protobuf.Type, field: protobuf.FieldBase, fallback: number): number {
  return NAMED[`${type.name}.${field.name}`] ?? fallback;
}

function stringCheck(limit: number): Compiled {
  return {
    floor: limit + 1,
    check: (v, at, _bytes, fix, set) => {
      if ((typeof v !== 'string' && !(v instanceof Uint8Array)) || v.length <= limit) return undefined;
      if (fix) return void set(v.slice(0, limit));
      return `${at} is ${v.length} ${typeof v === 'string' ? 'characters' : 'bytes'} (limit ${limit})`;
    },
  };
}

/** The check of one value of `field` (an element, for a repeated one): a message's own fields add their names after a dot. */
function valueCheck(type: protobuf.Type, field: protobuf.FieldBase): Compiled | undefined {
  field.resolve();
  if (field.resolvedType && 'fields' in field.resolvedType) {
    const message = compile(field.resolvedType as protobuf.Type);
    return { floor: message.floor, check: (v, at, bytes, fix, set) => message.check(v, `${at}.`, bytes, fix, set) };
  }
  if (field.type === 'string' || field.type === 'bytes') return stringCheck(limitOf(type, field, STRING_CHARS));
  return undefined;
}

function entriesProblem(at: string, n: number, limit: number): string {
  return `${at} has ${n} entries (limit ${limit})`;
}

/** Each entry of a list or a map takes at least a tag and a length on the wire. */
const MIN_ENTRY_BYTES = 2;

/** Compiles, once per message type, a check that visits only the fields that can grow. */
function compile(type: protobuf.Type): Compiled {
  const known = compiled.get(type.fullName);
  if (known) return known;
  const parts: { floor: number; check: (msg: Record<string, unknown>, at: string, bytes: number, fix: boolean) => string | undefined }[] = [];
  /**
   * Shared decodes (repeat-decode.ts) that passed: they are frozen, and
   * bytes that fit in one event fit in any, so they pass in every event
   * that carries them.
   */
  const passed = new WeakSet<object>();
  // Registered before its fields are compiled: messages may nest themselves.
  const self: Compiled = {
    floor: Infinity,
    check: (value, at, bytes, fix) => {
      if (value === null || value === undefined || typeof value !== 'object' || bytes < self.floor) return undefined;
      // isFrozen first: only shared decodes, which are frozen, are ever in `passed`.
      if (Object.isFrozen(value) && passed.has(value)) return undefined;
      for (const part of parts) {
        if (bytes < part.floor) continue;
        const problem = part.check(value as Record<string, unknown>, at, bytes, fix);
        if (problem) return problem;
      }
      if (isSharedDecode(value)) passed.add(value);
      return undefined;
    },
  };
  compiled.set(type.fullName, self);
  for (const field of type.fieldsArray) {
    const name = field.name;
    const element = valueCheck(type, field);
    if (field.map) {
      const limit = limitOf(type, field, ENTRIES);
      const key = stringCheck(STRING_CHARS);
      parts.push({
        floor: Math.min(limit * MIN_ENTRY_BYTES + 1, key.floor, element?.floor ?? Infinity),
        check: (msg, at, bytes, fix) => {
          const m = msg[name] as Record<string, unknown> | undefined;
          if (!m) return undefined;
          let keys = Object.keys(m);
          if (keys.length > limit) {
            if (!fix) return entriesProblem(`${at}${name}`, keys.length, limit);
            for (const k of keys.slice(limit)) delete m[k];
            keys = keys.slice(0, limit);
          }
          for (const k of keys) {
            const problem =
              key.check(k, `${at}${name} key "${k.slice(0, 40)}"`, bytes, fix, (cut) => {
                m[cut as string] = m[k];
                delete m[k];
              }) ?? element?.check(m[k], `${at}${name}["${k.slice(0, 40)}"]`, bytes, fix, (cut) => (m[k] = cut));
            if (problem) return problem;
          }
          return undefined;
        },
      });
    } else if (field.repeated) {
      const limit = limitOf(type, field, ENTRIES);
      parts.push({
        // Packed numbers take a byte each; anything else a tag and a length.
        floor: Math.min(limit * (element ? MIN_ENTRY_BYTES : 1) + 1, element?.floor ?? Infinity),
        check: (msg, at, bytes, fix) => {
          const list = msg[name] as unknown[] | undefined;
          if (!list) return undefined;
          if (list.length > limit) {
            if (!fix) return entriesProblem(`${at}${name}`, list.length, limit);
            list.length = limit;
          }
          if (!element || bytes < element.floor) return undefined;
          for (let i = 0; i < list.length; i++) {
            const problem = element.check(list[i], `${at}${name}[${i}]`, bytes, fix, (cut) => (list[i] = cut));
            if (problem) return problem;
          }
          return undefined;
        },
      });
    } else if (element) {
      parts.push({ floor: element.floor, check: (msg, at, bytes, fix) => element.check(msg[name], `${at}${name}`, bytes, fix, (cut) => (msg[name] = cut)) });
    }
  }
  self.floor = Math.min(...parts.map((p) => p.floor));
  return self;
}

const byName = new Map<string, Compiled>();

/** The check of a type named as callers name it, without a lookup in the contract per message. */
function compiledByName(typeName: string): Compiled {
  let c = byName.get(typeName);
  if (!c) byName.set(typeName, (c = compile(messageType(typeName))));
  return c;
}

/**
 * The first field of `message` (of type `typeName`, e.g. vigil.v1.Event)
 * past its bound, said as "exec.argv[3] is 9000 characters (limit 4096)";
 * undefined when every field is within bounds. `encodedBytes`, when the
 * message was decoded from that many bytes, spares the fields that cannot
 * be over their bound.
 */
export function fieldLimitProblem(typeName: string, message: unknown, encodedBytes = Infinity): string | undefined {
  return compiledByName(typeName).check(message, '', encodedBytes, false, () => undefined);
}

/**
 * Cuts every field of `message` past its bound down to it, in place: what
 * a sensor does to what it did not make itself (a pod's labels, its
 * mounts), so one odd pod never gets a whole batch refused.
 */
export function clampToLimits(typeName: string, message: object): void {
  compiledByName(typeName).check(message, '', Infinity, true, () => undefined);
}
