/**
 * Decoding straight to the plain objects the loader's options describe
 * (keepCase, longs and enums as strings, defaults, oneofs). protobufjs
 * decodes into message objects and then copies them into plain ones with
 * toObject: the copy was about a third of decoding an event, and the
 * message objects a share of the control plane's garbage. The decoder of
 * each type is generated from its reflection, as protobufjs generates its
 * own, and reads through protobufjs's Reader, so varints, strings, bounds
 * and the errors on bad bytes are the library's; what it builds is exactly
 * what decode then toObject would (the same keys, in the same order), which
 * `unit/proto/plain-decode` checks against the library on random messages
 * of every type of the contract and on damaged bytes.
 */
import * as protobuf from 'protobufjs';

/** Reads one message of its type from `r`: to the end, or `length` bytes of it; `depth` counts nesting as protobufjs does. */
export type PlainDecode = (r: protobuf.Reader, length: number | undefined, depth: number) => Record<string, unknown>;

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

export class PlainDecoders {
  private readonly decoders = new Map<protobuf.Type, PlainDecode>();

  /** `nested` wraps the decoder of every type met as a field of another. */
  constructor(private readonly nested: NestedDecode = (_type, decode) => decode) {}

  /** Decodes a whole buffer as a `type` message; throws on bytes that are not one. */
  decoder(type: protobuf.Type): (bytes: Uint8Array) => Record<string, unknown> {
    const decode = this.of(type);
    return (bytes) => decode(protobuf.Reader.create(bytes), undefined, 0);
  }

  private of(type: protobuf.Type): PlainDecode {
    let decode = this.decoders.get(type);
    if (!decode) {
      // Known before its fields' decoders are: a type that holds itself finds its own in `subs`, filled after.
      const subs: PlainDecode[] = [];
      decode = generate(type, subs);
      this.decoders.set(type, decode);
      for (const f of type.fieldsArray) if (f.resolvedType instanceof protobuf.Type) subs[f.id] = this.nested(f.resolvedType, this.of(f.resolvedType));
    }
    return decode;
  }
}

/** JavaScript source for the value of `f` read from `r` (its element, for a list). */
function readValue(f: protobuf.Field): string {
  if (f.resolvedType instanceof protobuf.Type) return `S[${f.id}](r, r.uint32(), n + 1)`;
  if (f.resolvedType instanceof protobuf.Enum) return `E[${f.id}](r.int32())`;
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
 * Source for one field's case in the tag switch. The Reader bounds every
 * read by r.len, which is set to the end of the message or map entry being
 * read, so bytes cut short throw there; nothing reads past an end to check.
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
 * number), then the fields as the bytes bring them (the last of a repeated
 * scalar or message wins, lists gather), then the members of oneofs that
 * were present, by field number, each followed by the oneof's name, as
 * toObject adds them.
 */
function generate(type: protobuf.Type, subs: PlainDecode[]): PlainDecode {
  const fields = type.fieldsArray.map((f) => f.resolve()).sort((a, b) => a.id - b.id);
  for (const f of fields) {
    const why = unsupported(f);
    if (why) throw new Error(`${type.fullName}.${f.name} is ${why}, which the plain decoder does not read`);
  }
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
    if (l !== undefined) r.len = l;
    ${members.map((f, i) => `if (o${i} !== undefined) { d[${JSON.stringify(f.name)}] = o${i}; d[${JSON.stringify(f.partOf!.name)}] = ${JSON.stringify(f.name)}; }`).join('\n    ')}
    return d;
  };`;
  // Generated as protobufjs generates its decoders: a function per type is what lets V8 give each decoded object one shape.
  return new Function('R', 'S', 'E', 'setKey', source)(protobuf.Reader, subs, enums, setKey) as PlainDecode;
}
