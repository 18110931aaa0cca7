/**
 * protobufjs reads every 64-bit field (times, inodes, cgroup ids) as a Long
 * and, with `longs: String`, turns it into decimal through long's
 * toString: a loop of 64-bit divisions done with 32-bit halves, about a
 * third of decoding an event. The same digits come far cheaper from a plain
 * number when the value fits in 53 bits, and from a BigInt otherwise, so
 * base-10 toString is replaced here, once, for every user of the library
 * in the process; other radixes keep the original.
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
