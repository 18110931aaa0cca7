import type { HostRule } from '../rule';
import { plainAddress, programOf } from '../facts';

export const maliciousIpConnection: HostRule = {
  id: 'malicious-ip-connection',
  version: 2,
  title: 'Connection to a known-malicious IP address',
  description:
    'A process connected (or tried to: refused and in-progress connections count) to an address listed in a loaded ' +
    'threat-intelligence feed: botnet command-and-control servers (abuse.ch Feodo Tracker), hijacked or criminal ' +
    'networks (Spamhaus DROP/EDROP), attack sources (FireHOL, Emerging Threats), Tor exit relays. Entries are matched ' +
    'as CIDRs, IPv4 and IPv6 alike, and an IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64 ' +
    '64:ff9b::/96, 6to4) is that IPv4 address. Feeds are listed in the ' +
    'rules file (intel.feeds) or dropped into the intel directory; private and reserved ranges in a feed are ' +
    'skipped. Known benign: feeds that list shared hosting or CDN ranges, and Tor exits for users who run Tor on ' +
    'purpose. Triage: the feed and entry named in the alert, the process and its command line, what else it ' +
    'connected to, and whether the container should talk to the internet at all.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1071', name: 'Application Layer Protocol', tactic: 'Command and Control' },
  sources: ['connect'],
  match(ev, ctx) {
    const dest = ev.connect?.destination;
    if (!dest || (dest.family !== 'FAMILY_INET' && dest.family !== 'FAMILY_INET6')) return null;
    const address = plainAddress(dest.address);
    const hit = ctx.intel.lookup(address);
    if (!hit) return null;
    const p = programOf(ev);
    const where = ev.container?.id ? `container ${ev.container.name || ev.container.id.slice(0, 12)}` : 'the host';
    return {
      summary: `${p.exe || p.comm} (pid ${ev.process?.pid}) in ${where} connected to ${address}:${dest.port}, listed by ${hit.feeds.join(', ')} as ${hit.entry}${hit.label ? ` (${hit.label})` : ''}`,
      fields: { destination: `${address}:${dest.port}`, feed: hit.feed, feeds: hit.feeds.join(','), entry: hit.entry, label: hit.label ?? '', result: String(ev.connect!.result) },
      key: `${p.exe || p.comm}>${address}:${dest.port}`,
    };
  },
};
