/**
 * protobufjs reads every 64-bit field (times, inodes, cgroup ids) as a Long
 * and, with `longs: String`, turns it into decimal through long's
 * toString: a loop of 64-bit divisions done with 32-bit halves, about a
 * third of decoding an event. The same digits come far cheaper from a plain
 * number when the value fits in 53 bits, and from a long division in
 * doubles otherwise (a BigInt for negative values), so base-10 toString is
 * replaced here, once, for every user of the library
 * in the process; other radixes keep the original. Encoding goes the other
 * way through fromValue, whose decimal parse (eight digits at a time, with
 * 64-bit multiplications and a Math.pow each) took about 5 % of a sensor's
 * CPU: decimal strings are read the same cheap ways.
 */
import * as protobuf from 'protobufjs';
import type LongType from 'long';

const Long = protobuf.util.Long as unknown as typeof LongType;
const original = Long.prototype.toString;
/** 2^32: the weight of a 64-bit value's high half. */
export const TWO_32 = 4294967296;

/** An unsigned 64-bit value, given as its two 32-bit halves (unsigned), in decimal. */
export function unsignedDecimal(high: number, low: number): string {
  if (high < 0x200000) return String(high * TWO_32 + low);
  // Past 53 bits: long division by 1e9 over four 16-bit digits, each step exact in a double.
  let rest = high >>> 16;
  const q3 = Math.floor(rest / 1e9);
  rest = (rest - q3 * 1e9) * 65536 + (high & 0xffff);
  const q2 = Math.floor(rest / 1e9);
  rest = (rest - q2 * 1e9) * 65536 + (low >>> 16);
  const q1 = Math.floor(rest / 1e9);
  rest = (rest - q1 * 1e9) * 65536 + (low & 0xffff);
  const q0 = Math.floor(rest / 1e9);
  rest -= q0 * 1e9;
  return String(((q3 * 65536 + q2) * 65536 + q1) * 65536 + q0) + String(rest).padStart(9, '0');
}

/** The 64 bits (modulo 2^64, as long's parse wraps) of a decimal of 1 to 20 digits, without BigInt. */
export function decimalBits(digits: string): { low: number; high: number } {
  // digits = a * 1e9 + b, and a * 1e9 taken apart in 16-bit steps, each exact in a double.
  const a = digits.length > 9 ? Number(digits.slice(0, -9)) : 0;
  const b = Number(digits.length > 9 ? digits.slice(-9) : digits);
  const aLow = a % 65536;
  const x = ((a - aLow) / 65536) * 1e9;
  const y = aLow * 1e9 + b;
  const xLow = x % 65536;
  let low = xLow * 65536 + (y % TWO_32);
  const carry = low >= TWO_32 ? 1 : 0;
  low -= carry * TWO_32;
  const high = (x - xLow) / 65536 + Math.floor(y / TWO_32) + carry;
  return { low: low | 0, high: high | 0 };
}

function decimal(this: LongType, radix?: number): string {
  if (radix !== undefined && radix !== 10) return original.call(this, radix);
  // Unsigned, or signed and not negative: the 64 bits read as they are.
  if (this.unsigned || this.high >= 0) return unsignedDecimal(this.high >>> 0, this.low >>> 0);
  return BigInt.asIntN(64, (BigInt(this.high >>> 0) << 32n) | BigInt(this.low >>> 0)).toString();
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
  if (n >= 0) {
    const { low, high } = decimalBits(value);
    return Long.fromBits(low, high, unsigned);
  }
  const bits = BigInt.asUintN(64, BigInt(value));
  return Long.fromBits(Number(bits & 0xffffffffn) | 0, Number(bits >> 32n) | 0, unsigned);
}

Long.fromValue = fromValue;
