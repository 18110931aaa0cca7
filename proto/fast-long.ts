/**
 * protobufjs reads every 64-bit field (times, inodes, cgroup ids) as a Long
 * and, with `longs: String`, turns it into decimal through long's
 * toString: a loop of 64-bit divisions done with 32-bit halves, about a
 * third of decoding an event. The same digits come far cheaper from a plain
 * number when the value fits in 53 bits, and from a BigInt otherwise, so
 * base-10 toString is replaced here, once, for every user of the library
 * in the process; other radixes keep the original. Encoding goes the other
 * way through fromValue, whose decimal parse (eight digits at a time, with
 * 64-bit multiplications and a Math.pow each) took about 5 % of a sensor's
 * CPU: decimal strings are read the same cheap ways.
 */
import * as protobuf from 'protobufjs';
import type LongType from 'long';

const Long = protobuf.util.Long as unknown as typeof LongType;
const original = Long.prototype.toString;
const TWO_32 = 4294967296;

function decimal(this: LongType, radix?: number): string {
  if (radix !== undefined && radix !== 10) return original.call(this, radix);
  const high = this.high >>> 0;
  const low = this.low >>> 0;
  // Unsigned, or signed and not negative: the 64 bits read as they are.
  if (this.unsigned || this.high >= 0) return high < 0x200000 ? String(high * TWO_32 + low) : ((BigInt(high) << 32n) | BigInt(low)).toString();
  return BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low)).toString();
}

Long.prototype.toString = decimal;

const originalFromValue = Long.fromValue;
/** What long's fromString reads as a base-10 number without surprises; anything else keeps the original. */
const DECIMAL = /^-?\d{1,20}$/;

function fromValue(value: Parameters<typeof LongType.fromValue>[0], unsigned?: boolean): LongType {
  if (typeof value !== 'string' || !DECIMAL.test(value)) return originalFromValue(value, unsigned);
  const n = Number(value);
  // fromNumber would clamp a negative to 0 where long's parse wraps it.
  if (Number.isSafeInteger(n) && (n >= 0 || !unsigned)) return Long.fromNumber(n, unsigned);
  // Past 53 bits, and past 64 as long itself does: modulo 2^64.
  const bits = BigInt.asUintN(64, BigInt(value));
  return Long.fromBits(Number(bits & 0xffffffffn) | 0, Number(bits >> 32n) | 0, unsigned);
}

Long.fromValue = fromValue;
