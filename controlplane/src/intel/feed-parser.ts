/**
 * Threat-intelligence feeds as they are published, to address prefixes:
 * plain IP/CIDR lists with `#` comments (FireHOL netsets, Emerging Threats,
 * Tor bulk exit lists), Tor's `ExitAddress` format, Spamhaus DROP/EDROP in
 * their native `CIDR ; SBL-id` form, stripped, or as JSON lines, and
 * abuse.ch Feodo Tracker CSV. Real feeds carry private, reserved and
 * over-broad ranges: those are skipped and counted, never matched, because
 * a private address on a blocklist says nothing about the host behind it.
 */
import ipaddr from 'ipaddr.js';
import type { FeedFormat } from '../config/rules-file';

export interface FeedEntry {
  /** Network address and prefix length, parsed. */
  address: ipaddr.IPv4 | ipaddr.IPv6;
  prefix: number;
  /** The entry as the feed wrote it, normalized (1.2.3.4/32 → 1.2.3.4). */
  text: string;
  /** What the feed says about it: an SBL id, a malware family and port. */
  label?: string;
}

export interface ParsedFeed {
  format: Exclude<FeedFormat, 'auto'>;
  entries: FeedEntry[];
  /** Lines that carried an address in a reserved, private or special range (or a prefix too broad to mean one network). */
  skipped: number;
  firstSkipped?: string;
  /** Lines that were neither comments nor addresses. */
  malformed: number;
  firstMalformedLine?: number;
  /** IPv4 entries written with zero-padded octets (010.1.2.3), read as decimal. */
  zeroPadded: number;
  firstZeroPaddedLine?: number;
}

/** Prefixes shorter than these span whole registries, not networks. */
const MIN_PREFIX = { ipv4: 8, ipv6: 16 } as const;

function detectFormat(text: string): Exclude<FeedFormat, 'auto'> {
  const head = text.slice(0, 64 * 1024);
  if (/dst_ip|^"\d{4}-\d\d-\d\d[^"]*","\d/m.test(head)) return 'feodo-csv';
  if (/^\s*\d[\d.]*\/\d+\s*;/m.test(head) || /^\{"cidr"/m.test(head)) return 'spamhaus';
  return 'plain';
}

/** The first address-looking token of a line and what follows it, per format. */
function candidate(line: string, format: Exclude<FeedFormat, 'auto'>, ipColumn: number): { token: string; label?: string } | undefined {
  if (format === 'feodo-csv') {
    const cells = line.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
    const token = cells[ipColumn] ?? '';
    const port = cells[ipColumn + 1];
    const family = cells[cells.length - 1];
    return { token, label: [family, port && /^\d+$/.test(port) ? `port ${port}` : ''].filter(Boolean).join(', ') || undefined };
  }
  if (format === 'spamhaus' && line.startsWith('{')) {
    try {
      const o = JSON.parse(line) as { cidr?: unknown; sblid?: unknown; type?: unknown };
      if (o.type === 'metadata') return undefined;
      return { token: typeof o.cidr === 'string' ? o.cidr : '', label: typeof o.sblid === 'string' ? o.sblid : undefined };
    } catch {
      return { token: '' };
    }
  }
  const exit = /^ExitAddress\s+(\S+)/.exec(line);
  if (exit) return { token: exit[1], label: 'Tor exit' };
  if (/^(ExitNode|Published|LastStatus)\s/.test(line)) return undefined;
  const [token, ...rest] = line.replace(/\s#.*$/, '').split(/[\s;,]+/);
  const label = line.includes(';') ? line.slice(line.indexOf(';') + 1).trim() : rest.join(' ').trim();
  return { token, label: label || undefined };
}

const DOTTED_QUAD = /^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/;
const ZERO_PADDED = /(^|\.)0\d/;

/** IPv6 prefixes that carry an IPv4 address in their last 32 bits: IPv4-mapped, and NAT64's well-known prefix (RFC 6052). */
function embeddedIpv4(address: ipaddr.IPv6, prefix: number): { address: ipaddr.IPv4; prefix: number } | undefined {
  const p = address.parts;
  const carries = address.isIPv4MappedAddress() || (p[0] === 0x64 && p[1] === 0xff9b && p.slice(2, 6).every((x) => x === 0));
  return carries && prefix >= 96 ? { address: ipaddr.fromByteArray(address.toByteArray().slice(12)) as ipaddr.IPv4, prefix: prefix - 96 } : undefined;
}

/**
 * An address or CIDR. An IPv6 address that carries an IPv4 one becomes that
 * IPv4 address, so every spelling meets in one table. Octets are decimal
 * even when zero-padded (ipaddr.js would read 010 as octal).
 */
function parsePrefix(token: string): { address: ipaddr.IPv4 | ipaddr.IPv6; prefix: number } | undefined {
  // ipaddr.js also reads 127.1 and octal forms; feeds write dotted quads.
  if (!token.includes(':') && !DOTTED_QUAD.test(token)) return undefined;
  const text = token.includes(':') ? token : token.replace(/(^|\.)0+(?=\d)/g, '$1');
  try {
    const [address, prefix] = text.includes('/') ? ipaddr.parseCIDR(text) : [ipaddr.parse(text), text.includes(':') ? 128 : 32];
    return (address.kind() === 'ipv6' && embeddedIpv4(address as ipaddr.IPv6, prefix)) || { address, prefix };
  } catch {
    return undefined;
  }
}

/** The network of an address and prefix (feeds sometimes write a host address with its network's prefix). */
function network(address: ipaddr.IPv4 | ipaddr.IPv6, prefix: number): ipaddr.IPv4 | ipaddr.IPv6 {
  const bytes = address.toByteArray();
  for (let bit = prefix; bit < bytes.length * 8; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  return ipaddr.fromByteArray(bytes);
}

export function parseFeed(text: string, format: FeedFormat = 'auto'): ParsedFeed {
  const fmt = format === 'auto' ? detectFormat(text) : format;
  const out: ParsedFeed = { format: fmt, entries: [], skipped: 0, malformed: 0, zeroPadded: 0 };
  let ipColumn = 1;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trim();
    if (i === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (fmt === 'feodo-csv' && line.startsWith('#') && line.includes('dst_ip')) {
      ipColumn = line.replace(/^#\s*/, '').split(',').map((c) => c.trim().replace(/^"|"$/g, '')).indexOf('dst_ip');
      continue;
    }
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('//')) continue;
    const c = candidate(line, fmt, ipColumn);
    if (!c) continue;
    const parsed = parsePrefix(c.token);
    if (!parsed) {
      out.malformed++;
      out.firstMalformedLine ??= i + 1;
      continue;
    }
    if (!c.token.includes(':') && ZERO_PADDED.test(c.token)) {
      out.zeroPadded++;
      out.firstZeroPaddedLine ??= i + 1;
    }
    const kind = parsed.address.kind();
    const net = network(parsed.address, parsed.prefix);
    if (parsed.prefix < MIN_PREFIX[kind] || net.range() !== 'unicast') {
      out.skipped++;
      out.firstSkipped ??= `${c.token} (${parsed.prefix < MIN_PREFIX[kind] ? `a /${parsed.prefix} is too broad` : net.range()})`;
      continue;
    }
    const full = parsed.prefix === (kind === 'ipv4' ? 32 : 128);
    out.entries.push({ address: net, prefix: parsed.prefix, text: full ? net.toString() : `${net.toString()}/${parsed.prefix}`, label: c.label });
  }
  return out;
}
