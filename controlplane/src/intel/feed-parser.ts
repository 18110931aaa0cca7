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

/** An address or CIDR; IPv4-mapped IPv6 becomes the IPv4 it maps, so both spellings meet in one table. */
function parsePrefix(token: string): { address: ipaddr.IPv4 | ipaddr.IPv6; prefix: number } | undefined {
  // ipaddr.js also reads 127.1 and octal forms; feeds write dotted quads.
  if (!token.includes(':') && !DOTTED_QUAD.test(token)) return undefined;
  try {
    const [address, prefix] = token.includes('/') ? ipaddr.parseCIDR(token) : [ipaddr.parse(token), token.includes(':') ? 128 : 32];
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) return { address: (address as ipaddr.IPv6).toIPv4Address(), prefix: Math.max(0, prefix - 96) };
    return { address, prefix };
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
  const out: ParsedFeed = { format: fmt, entries: [], skipped: 0, malformed: 0 };
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
