/**
 * Coding straight between bytes and the plain objects the loader's options
 * describe (keepCase, longs and enums as strings, defaults, oneofs).
 * protobufjs decodes into message objects and then copies them into plain
 * ones with toObject, and encodes plain objects by first copying them into
 * message objects with fromObject: each copy was about a third of coding
 * an event, and the message objects a share of the garbage. The coder of
 * each type is generated from its reflection, as protobufjs generates its
 * own. It reads through protobufjs's Reader, so varints, strings, bounds
 * and the errors on bad bytes are the library's, and writes through
 * FlatWriter, which writes the bytes protobufjs's Writer writes.
 * What the decoder builds is exactly what decode then toObject would (the
 * same keys, in the same order), and what the encoder writes is byte for
 * byte what fromObject then encode would; `unit/proto/plain-codec` checks
 * both against the library on random messages of every type of the
 * contract, and the decoder on damaged bytes.
 */
import * as protobuf from 'protobufjs';
import { decimalBits, unsignedDecimal } from './fast-long';
import { FlatWriter, withFlatWriter } from './flat-writer';

/** Reads one message of its type from `r`: to the end, or `length` bytes of it; `depth` counts nesting as protobufjs does. */
export type PlainDecode = (r: protobuf.Reader, length: number | undefined, depth: number) => Record<string, unknown>;

/** Writes `object` as one message of its type to `w` (its fields only: no tag, no length); `depth` counts nesting as protobufjs does. */
export type PlainEncode = (object: unknown, w: FlatWriter, depth: number) => FlatWriter;

/** Wraps the decoder of a type that other messages carry, e.g. to share what repeats. */
export type NestedDecode = (type: protobuf.Type, decode: PlainDecode) => PlainDecode;

const LONG = protobuf.types.long as Record<string, number | undefined>;
const BASIC = protobuf.types.basic as Record<string, number | undefined>;

/** A map key as protobufjs sets it: a key named __proto__ is made an own property, not the prototype. */
function setKey(map: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(map, key, { enumerable: true, configurable: true, writable: true });
  map[key] = value;
}

/** An enum's value as toObject gives it: its name, or the number when the enum has none for it. */
function enumReader(e: protobuf.Enum): (n: number) => string | number {
  const names = e.valuesById;
  return (n) => names[n] ?? n;
}

function cutShort(r: protobuf.Reader, pos: number): RangeError {
  r.pos = pos;
  return RangeError(`index out of range: ${pos} + 1 > ${r.len}`);
}

/**
 * A uint64 field as r.uint64() reads it (the same bytes taken, the same
 * refusals, the same lenient read of a value cut short within 4 bytes of
 * the end) and as toObject writes it, in decimal, without the two objects
 * (LongBits, Long) protobufjs makes for every such value: a time on every
 * event, and more on most.
 */
function readUint64Text(r: protobuf.Reader): string {
  const buf = r.buf;
  const len = r.len;
  let pos = r.pos;
  let lo = 0;
  let hi = 0;
  let b: number;
  if (len - pos > 4) {
    for (let i = 0; i < 4; i++) {
      b = buf[pos++];
      lo = (lo | ((b & 127) << (i * 7))) >>> 0;
      if (b < 128) {
        r.pos = pos;
        return String(lo);
      }
    }
    b = buf[pos++];
    lo = (lo | ((b & 127) << 28)) >>> 0;
    hi = (b & 127) >> 4;
    if (b < 128) {
      r.pos = pos;
      return unsignedDecimal(hi, lo);
    }
    const near = len - pos <= 4;
    for (let i = 0; i < 5; i++) {
      if (near && pos >= len) throw cutShort(r, pos);
      b = buf[pos++];
      hi = (hi | ((b & 127) << (i * 7 + 3))) >>> 0;
      if (b < 128) {
        r.pos = pos;
        return unsignedDecimal(hi, lo);
      }
    }
    r.pos = pos;
    throw Error('invalid varint encoding');
  }
  for (let i = 0; i < 3; i++) {
    if (pos >= len) throw cutShort(r, pos);
    b = buf[pos++];
    lo = (lo | ((b & 127) << (i * 7))) >>> 0;
    if (b < 128) {
      r.pos = pos;
      return String(lo);
    }
  }
  // The Reader takes a fourth byte here without looking at it or at the end.
  lo = (lo | ((buf[pos++] & 127) << 21)) >>> 0;
  r.pos = pos;
  return String(lo);
}

export class PlainCodecs {
  private readonly decoders = new Map<protobuf.Type, PlainDecode>();
  private readonly encoders = new Map<protobuf.Type, PlainEncode>();

  /** `nested` wraps the decoder of every type met as a field of another. */
  constructor(private readonly nested: NestedDecode = (_type, decode) => decode) {}

  /** Decodes a whole buffer as a `type` message; throws on bytes that are not one. */
  decoder(type: protobuf.Type): (bytes: Uint8Array) => Record<string, unknown> {
    const decode = this.decoderOf(type);
    return (bytes) => decode(protobuf.Reader.create(bytes), undefined, 0);
  }

  /**
   * Encodes a plain object as a `type` message; throws TypeError where
   * fromObject would. Plain objects only: a protobufjs message instance,
   * which fromObject passes through as it is, would be read with its
   * prototype's defaults as fields.
   */
  encoder(type: protobuf.Type): (object: object) => Uint8Array {
    const encode = this.encoderOf(type);
    return (object) => withFlatWriter((w) => encode(object, w, 0));
  }

  /**
   * Writes a plain object's fields, as encoder(type) encodes them, into `w`
   * where it stands (inside a fork, say), leaving out the fields named in
   * `omit` (for a caller that writes those itself).
   */
  writer(type: protobuf.Type, omit: readonly string[] = []): (object: object, w: FlatWriter) => void {
    let encode = this.encoderOf(type);
    if (omit.length) {
      for (const name of omit) if (!type.fields[name]) throw new Error(`${type.fullName} has no field ${name} to leave out`);
      const subs: PlainEncode[] = [];
      for (const f of type.fieldsArray) if (f.resolvedType instanceof protobuf.Type) subs[f.id] = this.encoderOf(f.resolvedType);
      encode = generateEncoder(type, subs, new Set(omit));
    }
    return (object, w) => encode(object, w, 0);
  }

  private encoderOf(type: protobuf.Type): PlainEncode {
    return memoized(this.encoders, type, generateEncoder, (t) => this.encoderOf(t));
  }

  private decoderOf(type: protobuf.Type): PlainDecode {
    return memoized(this.decoders, type, generateDecoder, (t) => this.nested(t, this.decoderOf(t)));
  }
}

/**
 * The coder of `type` in `cache`, generated on first use. It is in the
 * cache before the coders of its fields are made (`sub`), so that a type
 * holding itself finds its own in `subs`, filled after.
 */
function memoized<C>(cache: Map<protobuf.Type, C>, type: protobuf.Type, generate: (type: protobuf.Type, subs: C[]) => C, sub: (type: protobuf.Type) => C): C {
  let coder = cache.get(type);
  if (!coder) {
    const subs: C[] = [];
    coder = generate(type, subs);
    cache.set(type, coder);
    for (const f of type.fieldsArray) if (f.resolvedType instanceof protobuf.Type) subs[f.id] = sub(f.resolvedType);
  }
  return coder;
}

/** JavaScript source for the value of `f` read from `r` (its element, for a list). */
function readValue(f: protobuf.Field): string {
  if (f.resolvedType instanceof protobuf.Type) return `S[${f.id}](r, r.uint32(), n + 1)`;
  if (f.resolvedType instanceof protobuf.Enum) return `E[${f.id}](r.int32())`;
  if (f.type === 'uint64') return 'U(r)';
  if (LONG[f.type] !== undefined) return `String(r.${f.type}())`;
  return `r.${f.type}()`;
}

/** The value toObject gives a field the bytes did not carry, as source. */
function defaultValue(f: protobuf.Field): string {
  if (f.map) return '{}';
  if (f.repeated) return '[]';
  if (f.resolvedType instanceof protobuf.Type) return 'null';
  if (f.resolvedType instanceof protobuf.Enum) return JSON.stringify(f.resolvedType.valuesById[f.typeDefault as number] ?? f.typeDefault);
  if (LONG[f.type] !== undefined) return JSON.stringify(String(f.typeDefault));
  return JSON.stringify(f.typeDefault);
}

/** A type's fields by number, as protobufjs writes them; throws on a kind of field these coders do not handle. */
function fieldsById(type: protobuf.Type): protobuf.Field[] {
  const fields = type.fieldsArray.map((f) => f.resolve()).sort((a, b) => a.id - b.id);
  for (const f of fields) {
    const why = unsupported(f);
    if (why) throw new Error(`${type.fullName}.${f.name} is ${why}, which the plain coders do not handle`);
  }
  return fields;
}

function unsupported(f: protobuf.Field): string | undefined {
  if (f.delimited) return 'a group';
  if (f instanceof protobuf.MapField) {
    if (f.keyType !== 'string') return 'a map with keys other than strings';
    if (f.resolvedType || LONG[f.type] !== undefined || f.type === 'bytes') return 'a map of messages, enums, 64-bit values or bytes';
    return undefined;
  }
  if (f.map) return 'a map protobufjs did not make a MapField';
  if (f.resolvedType instanceof protobuf.Type) return undefined;
  if (f.repeated && f.type !== 'string' && f.type !== 'bytes') return 'a list of numbers or enums (packed on the wire)';
  if (!f.repeated && f.type === 'bytes') return 'a single bytes field';
  if (!(f.resolvedType instanceof protobuf.Enum) && BASIC[f.type] === undefined) return `of type ${f.type}`;
  return undefined;
}

/**
 * Source for one field's case in the tag switch. The Reader bounds reads by
 * r.len, set to the end of the message or map entry being read, with one
 * exception: a 64-bit varint cut short within 4 bytes of the end is read a
 * byte past it. A map entry holds no 64-bit value; a message checks that it
 * ended where its length said (generateDecoder), as protobufjs does.
 */
function fieldCase(f: protobuf.Field, oneofSlot: number | undefined): string {
  const prop = `d[${JSON.stringify(f.name)}]`;
  if (f instanceof protobuf.MapField)
    return `{
      var c2 = r.uint32() + r.pos;
      if (c2 > r.len) throw RangeError("index out of range");
      r.len = c2;
      var k = "", v = ${JSON.stringify(protobuf.types.defaults[f.type as keyof typeof protobuf.types.defaults])};
      while (r.pos < c2) {
        var t2 = r.uint32();
        switch (t2 >>> 3) {
          case 1: k = r.string(); break;
          case 2: v = r.${f.type}(); break;
          default: r.skipType(t2 & 7, n); break;
        }
      }
      r.len = c;
      setKey(${prop}, k, v);
      break;
    }`;
  if (f.repeated) return `${prop}.push(${readValue(f)}); break;`;
  if (oneofSlot !== undefined) return `o${oneofSlot} = ${readValue(f)}; break;`;
  return `${prop} = ${readValue(f)}; break;`;
}

/**
 * The decoder of one type, as source: defaults first in toObject's key
 * order (lists, maps, then the other fields outside a oneof, each by field
 * number), then the fields as the bytes bring them (the last value of a
 * single field wins, lists gather), then the members of oneofs that
 * were present, by field number, each followed by the oneof's name, as
 * toObject adds them.
 */
function generateDecoder(type: protobuf.Type, subs: PlainDecode[]): PlainDecode {
  const fields = fieldsById(type);
  const outside = fields.filter((f) => !f.partOf);
  const defaults = [...outside.filter((f) => f.repeated), ...outside.filter((f) => f.map), ...outside.filter((f) => !f.repeated && !f.map)];
  const members = fields.filter((f) => f.partOf);
  const slot = new Map(members.map((f, i) => [f, i]));
  const enums: ((n: number) => string | number)[] = [];
  for (const f of fields) if (f.resolvedType instanceof protobuf.Enum) enums[f.id] = enumReader(f.resolvedType);
  const source = `return function ${type.name.replace(/\W/g, '_')}$plain(r, l, n) {
    if (n > R.recursionLimit) throw Error("maximum nesting depth exceeded");
    var c;
    if (l === undefined) c = r.len;
    else {
      c = r.pos + l;
      if (c > r.len) throw RangeError("index out of range");
      l = r.len;
      r.len = c;
    }
    var d = {${defaults.map((f) => `${JSON.stringify(f.name)}: ${defaultValue(f)}`).join(', ')}};
    ${members.length ? `var ${members.map((_, i) => `o${i}`).join(', ')};` : ''}
    while (r.pos < c) {
      var t = r.uint32();
      switch (t >>> 3) {
        ${fields.map((f) => `case ${f.id}: ${fieldCase(f, slot.get(f))}`).join('\n        ')}
        default: r.skipType(t & 7, n); break;
      }
    }
    if (l !== undefined) {
      if (r.pos !== c) throw RangeError("index out of range");
      r.len = l;
    }
    ${members.map((f, i) => `if (o${i} !== undefined) { d[${JSON.stringify(f.name)}] = o${i}; d[${JSON.stringify(f.partOf!.name)}] = ${JSON.stringify(f.name)}; }`).join('\n    ')}
    return d;
  };`;
  // Generated as protobufjs generates its coders: a function per type is what lets V8 give each decoded object one shape.
  return new Function('R', 'S', 'E', 'setKey', 'U', source)(protobuf.Reader, subs, enums, setKey, readUint64Text) as PlainDecode;
}

/** What fromObject makes of an enum field's value: a known name or any number; undefined leaves the field out. */
function enumWriter(e: protobuf.Enum): (v: unknown) => number | undefined {
  const ids = e.values;
  return (v) => (typeof v === 'number' ? v : typeof v === 'string' && Object.hasOwn(ids, v) ? ids[v] : undefined);
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null;
}

const DIGITS = /^\d{1,20}$/;
const long = protobuf.util.Long as unknown as { fromValue(v: unknown, unsigned?: boolean): object };

/**
 * A uint64 field's value as the Writer takes it, with the bits fromObject
 * gives it (Long.fromValue, unsigned: a decimal string or a number, modulo
 * 2^64): a plain number when it is one exactly, the two halves of a longer
 * decimal (a time on every event) without the BigInt and Long objects,
 * anything else through Long.fromValue itself.
 */
function uint64Value(v: unknown): unknown {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : long.fromValue(v, true);
  if (typeof v !== 'string' || !DIGITS.test(v)) return long.fromValue(v, true);
  return v.length <= 15 ? Number(v) : decimalBits(v);
}

/** Source converting `v` to a field of scalar type `type` as fromObject converts it. */
function converted(type: string, v: string): string {
  switch (type) {
    case 'double':
    case 'float':
      return `Number(${v})`;
    case 'bool':
      return `Boolean(${v})`;
    case 'string':
      return `String(${v})`;
    case 'uint32':
    case 'fixed32':
      return `(${v} >>> 0)`;
    default:
      return `(${v} | 0)`;
  }
}

/** The key a value of `f` is written under: its field number and wire type. */
export function fieldTag(f: protobuf.Field, wire: number): number {
  return ((f.id << 3) | wire) >>> 0;
}

/** Source writing `v`, a value of `f` (an element, for a list), converted as fromObject converts it. */
function writeValue(f: protobuf.Field, v: string): string {
  if (f.resolvedType instanceof protobuf.Type)
    return `if (!O(${v})) throw TypeError(${JSON.stringify(`${f.fullName}: object expected`)});
      S[${f.id}](${v}, w.uint32(${fieldTag(f, 2)}).fork(), n + 1).ldelim();`;
  const write = `w.uint32(${fieldTag(f, BASIC[f.type]!)}).${f.type}`;
  if (f.type === 'uint64') return `${write}(U(${v}));`;
  if (LONG[f.type] !== undefined) return `${write}(L(${v}, ${f.type === 'fixed64'}));`;
  if (f.type === 'bytes') return `${write}(typeof ${v} === "string" ? B(${v}) : ${v});`;
  return `${write}(${converted(f.type, v)});`;
}

/**
 * Source writing a list of bytes as fromObject then encode do: fromObject
 * keeps an element only when it is base64 text or has a length, at its
 * index, so a dropped element at the end vanishes and one before a kept
 * element leaves a hole that encode then throws on.
 */
function bytesList(f: protobuf.Field, list: string): string {
  return `var kept = [];
      for (var i = 0; i < ${list}.length; ++i) {
        var e = ${list}[i];
        if (typeof e === "string") kept[i] = B(e);
        else if (e.length >= 0) kept[i] = e;
      }
      for (var i = 0; i < kept.length; ++i) w.uint32(${fieldTag(f, 2)}).bytes(kept[i]);`;
}

/**
 * The encoder of one type, as source: each field by number, written when
 * fromObject would have set it (a value not null, a list or map not
 * empty, an enum it recognises) and converted as fromObject converts it.
 */
function generateEncoder(type: protobuf.Type, subs: PlainEncode[], omit?: ReadonlySet<string>): PlainEncode {
  const fields = fieldsById(type).filter((f) => !omit?.has(f.name));
  const enums: ((v: unknown) => number | undefined)[] = [];
  for (const f of fields) if (f.resolvedType instanceof protobuf.Enum) enums[f.id] = enumWriter(f.resolvedType);
  const body = fields.map((f) => {
    const v = `d[${JSON.stringify(f.name)}]`;
    if (f instanceof protobuf.MapField)
      return `var m${f.id} = ${v};
    if (m${f.id}) {
      if (!O(m${f.id})) throw TypeError(${JSON.stringify(`${f.fullName}: object expected`)});
      for (var ks = Object.keys(m${f.id}), i = 0; i < ks.length; ++i)
        w.uint32(${fieldTag(f, 2)}).fork().uint32(10).string(ks[i]).uint32(${16 | BASIC[f.type]!}).${f.type}(${converted(f.type, `m${f.id}[ks[i]]`)}).ldelim();
    }`;
    if (f.repeated)
      return `var a${f.id} = ${v};
    if (a${f.id}) {
      if (!Array.isArray(a${f.id})) throw TypeError(${JSON.stringify(`${f.fullName}: array expected`)});
      ${f.type === 'bytes' ? bytesList(f, `a${f.id}`) : `for (var i = 0; i < a${f.id}.length; ++i) { ${writeValue(f, `a${f.id}[i]`)} }`}
    }`;
    if (f.resolvedType instanceof protobuf.Enum) return `var e${f.id} = E[${f.id}](${v});
    if (e${f.id} !== undefined) w.uint32(${fieldTag(f, 0)}).int32(e${f.id});`;
    return `if (${v} != null) { ${writeValue(f, v)} }`;
  });
  // fromObject takes anything for a type without fields.
  const check = fields.length ? `if (!O(d)) throw TypeError(${JSON.stringify(`${type.fullName}: object expected`)});` : '';
  const source = `return function ${type.name.replace(/\W/g, '_')}$plainEncode(d, w, n) {
    ${check}
    if (n > P.recursionLimit) throw Error("maximum nesting depth exceeded");
    ${body.join('\n    ')}
    return w;
  };`;
  const base64 = (text: string) => {
    const buffer = protobuf.util.newBuffer(protobuf.util.base64.length(text));
    protobuf.util.base64.decode(text, buffer, 0);
    return buffer;
  };
  return new Function('P', 'S', 'E', 'O', 'L', 'U', 'B', source)(protobuf.util, subs, enums, isObject, (v: unknown, unsigned: boolean) => long.fromValue(v, unsigned), uint64Value, base64) as PlainEncode;
}
