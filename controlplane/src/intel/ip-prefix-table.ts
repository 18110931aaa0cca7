/**
 * Longest-prefix match of an address against many CIDRs, with the entry that
 * matched. One hash map per prefix length in use: a lookup masks the address
 * once per length (feeds use a few dozen at most) and probes a map, so its
 * cost does not grow with the number of entries. Node's net.BlockList only
 * answers yes or no, and scans its rules one by one.
 */
import ipaddr from 'ipaddr.js';

export interface PrefixMatch<T> {
  /** The matched network as the feed wrote it. */
  prefix: number;
  values: T[];
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

class Level<K> {
  readonly entries = new Map<K, unknown[]>();
  constructor(readonly prefix: number) {}
}

export class IpPrefixTable<T> {
  /** Longest prefix first, so the first hit is the most specific. */
  private v4: Level<number>[] = [];
  private v6: Level<bigint>[] = [];
  size = 0;

  private level<K>(levels: Level<K>[], prefix: number): Level<K> {
    let l = levels.find((x) => x.prefix === prefix);
    if (!l) {
      l = new Level<K>(prefix);
      levels.push(l);
      levels.sort((a, b) => b.prefix - a.prefix);
    }
    return l;
  }

  add(address: ipaddr.IPv4 | ipaddr.IPv6, prefix: number, value: T): void {
    const key = keyOf(address, prefix);
    const level = typeof key === 'number' ? this.level(this.v4, prefix) : this.level(this.v6, prefix);
    const list = (level.entries as Map<number | bigint, unknown[]>).get(key);
    if (list) list.push(value);
    else (level.entries as Map<number | bigint, unknown[]>).set(key, [value]);
    this.size++;
  }

  /**
   * The most specific prefix containing `text`: IPv4, IPv6, or an IPv6
   * address that carries an IPv4 one (IPv4-mapped, NAT64 64:ff9b::/96,
   * 6to4), which is looked up as that IPv4 address.
   */
  lookup(text: string): PrefixMatch<T> | undefined {
    // Dotted quads, mapped or not, are most of what connects: read them without a parser.
    const quad = DOTTED.exec(text.startsWith('::ffff:') || text.startsWith('::FFFF:') ? text.slice(7) : text);
    if (quad) {
      const [a, b, c, d] = [Number(quad[1]), Number(quad[2]), Number(quad[3]), Number(quad[4])];
      return a < 256 && b < 256 && c < 256 && d < 256 ? this.lookup4(((a << 24) | (b << 16) | (c << 8) | d) >>> 0) : undefined;
    }
    const n = ipv6Number(text);
    if (n === undefined) return undefined;
    const v4 = embeddedIpv4(n);
    if (v4 !== undefined) return this.lookup4(v4);
    for (const l of this.v6) {
      const hit = l.entries.get(mask6(n, l.prefix));
      if (hit) return { prefix: l.prefix, values: hit as T[] };
    }
    return undefined;
  }

  private lookup4(n: number): PrefixMatch<T> | undefined {
    for (const l of this.v4) {
      const hit = l.entries.get(mask4(n, l.prefix));
      if (hit) return { prefix: l.prefix, values: hit as T[] };
    }
    return undefined;
  }
}

function v4Number(a: ipaddr.IPv4): number {
  const [b0, b1, b2, b3] = a.octets;
  return ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
}

const MAPPED = 0xffffn << 32n;
const NAT64 = 0x64ff9bn << 96n;

/**
 * The IPv4 address an IPv6 address stands for, as a number: IPv4-mapped
 * (::ffff:0:0/96), the NAT64 well-known prefix (64:ff9b::/96, RFC 6052),
 * 6to4 (2002::/16, RFC 3056). Undefined for any other IPv6 address.
 */
export function embeddedIpv4(n: bigint): number | undefined {
  if (n >> 32n === MAPPED >> 32n || n >> 32n === NAT64 >> 32n) return Number(n & 0xffffffffn);
  if (n >> 112n === 0x2002n) return Number((n >> 80n) & 0xffffffffn);
  return undefined;
}

export function ipv4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The RFC 5952 text of an IPv6 address: lower case, the longest run of zero groups (two or more) written ::. */
export function ipv6Text(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  return best < 0 ? hex.join(':') : `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * An IPv6 address's 128 bits, or undefined. ipaddr.js takes tens of
 * microseconds per address; connects are looked up one by one.
 */
export function ipv6Number(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  // An IPv4 tail (::ffff:1.2.3.4 is handled before; 64:ff9b::1.2.3.4 here) is two groups.
  const last = (halves.length === 2 ? tail : head).at(-1);
  const quad = last ? DOTTED.exec(last) : null;
  if (quad) {
    const [a, b, c, d] = [Number(quad[1]), Number(quad[2]), Number(quad[3]), Number(quad[4])];
    if (a > 255 || b > 255 || c > 255 || d > 255) return undefined;
    (halves.length === 2 ? tail : head).splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) return undefined;
  let n = 0n;
  for (const g of [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

function v6Number(a: ipaddr.IPv6): bigint {
  let n = 0n;
  for (const p of a.parts) n = (n << 16n) | BigInt(p);
  return n;
}

/** An address with its host bits cleared: the key of its network at that prefix. */
function mask4(n: number, prefix: number): number {
  return prefix === 0 ? 0 : (n & (0xffffffff << (32 - prefix))) >>> 0;
}

function mask6(n: bigint, prefix: number): bigint {
  const host = BigInt(128 - prefix);
  return (n >> host) << host;
}

function keyOf(address: ipaddr.IPv4 | ipaddr.IPv6, prefix: number): number | bigint {
  return address.kind() === 'ipv4' ? mask4(v4Number(address as ipaddr.IPv4), prefix) : mask6(v6Number(address as ipaddr.IPv6), prefix);
}
