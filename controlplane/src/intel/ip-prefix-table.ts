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

  /** The most specific prefix containing `text` (IPv4, IPv6 or IPv4-mapped IPv6), or undefined. */
  lookup(text: string): PrefixMatch<T> | undefined {
    let address: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      address = ipaddr.process(text);
    } catch {
      return undefined;
    }
    if (address.kind() === 'ipv4') {
      const n = v4Number(address as ipaddr.IPv4);
      for (const l of this.v4) {
        const hit = l.entries.get(mask4(n, l.prefix));
        if (hit) return { prefix: l.prefix, values: hit as T[] };
      }
      return undefined;
    }
    const n = v6Number(address as ipaddr.IPv6);
    for (const l of this.v6) {
      const hit = l.entries.get(mask6(n, l.prefix));
      if (hit) return { prefix: l.prefix, values: hit as T[] };
    }
    return undefined;
  }
}

function v4Number(a: ipaddr.IPv4): number {
  const [b0, b1, b2, b3] = a.octets;
  return ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
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
