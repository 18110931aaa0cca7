import ipaddr from 'ipaddr.js';
import type { Event__Output } from '../../../../proto/generated/vigil/v1/Event';
import type { DetectionContext, Finding, HostRule } from '../rule';
import { commandLine, inContainer, plainAddress, programOf } from '../facts';

/** Miner arguments: a stratum pool URL, or options only miners take. */
const MINER_ARGS = /stratum\d?\+(tcp|ssl|tls|ws|wss):\/\/|--donate-level|--randomx|--cpu-max-threads-hint|--coin[= ](monero|xmr|eth|etc|rvn|kaspa)|(-a|--algo)[= ](rx\/|cryptonight|cn\/|randomx|kawpow|ethash|autolykos|argon2)|--nicehash\b/i;
/** Mining pools' well-known host names in an argument. */
const POOL_HOSTS = /\b(xmrpool|nanopool|supportxmr|minexmr|hashvault|moneroocean|f2pool|2miners|nicehash|herominers|c3pool|unmineable|minergate|ethermine|viabtc|antpool|hashcity|zpool|miningpoolhub)\.[a-z]{2,}/i;

function isPublic(address: string): boolean {
  try {
    return ipaddr.process(address).range() === 'unicast';
  } catch {
    return false;
  }
}

function onExec(ev: Event__Output, ctx: DetectionContext): Finding | null {
  const p = programOf(ev);
  const line = commandLine(ev);
  const byName = p.in(ctx.lists.miner_names);
  const byArgs = MINER_ARGS.test(line) || POOL_HOSTS.test(line);
  if (!byName && !byArgs) return null;
  const where = ev.container?.id ? `container ${ev.container.name || ev.container.id.slice(0, 12)}` : 'the host';
  return {
    summary: `crypto miner ${ev.exec!.filename} started in ${where}: ${line}`,
    fields: { evidence: byName ? 'known miner binary' : 'miner arguments (pool URL or miner options)', command_line: line },
  };
}

function onConnect(ev: Event__Output, ctx: DetectionContext): Finding | null {
  const dest = ev.connect!.destination;
  if (!inContainer(ev) || !dest || !ctx.lists.mining_pool_ports.has(String(dest.port))) return null;
  const address = plainAddress(dest.address);
  if (!isPublic(address)) return null;
  const p = programOf(ev);
  return {
    summary: `${p.exe || p.comm} (pid ${ev.process?.pid}) in container ${ev.container!.name || ev.container!.id.slice(0, 12)} connected to ${address}:${dest.port}, a mining pool port`,
    fields: { evidence: 'connection to a mining pool port (lower confidence: check the destination)', destination: `${address}:${dest.port}`, process: p.exe || p.comm },
    key: `connect>${p.exe || p.comm}>${dest.port}`,
  };
}

export const cryptoMining: HostRule = {
  id: 'crypto-mining',
  version: 1,
  title: 'Cryptocurrency mining',
  description:
    'A cryptocurrency miner ran (xmrig, cpuminer, ethminer and the other known binaries, or any program given a ' +
    '`stratum+tcp://` pool URL, a known pool\'s host name or miner-only options), or a container connected to a ' +
    'public address on a port mining pools use (3333, 4444, 5555, 7777, 14444...). Mining is the most common payload ' +
    'of cluster compromises: it turns the node\'s CPU into the attacker\'s money (Tesla, 2018; the Kinsing and ' +
    'TeamTNT campaigns). The port signal alone is weaker: some services listen on those ports. Known benign: ' +
    'clusters that mine on purpose. Triage: the image and how the miner got there (download-and-execute, ' +
    'package-manager-in-container), the pool, and the credentials or exposed service that let it in.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1496', name: 'Resource Hijacking', tactic: 'Impact' },
  sources: ['exec', 'connect'],
  match(ev, ctx) {
    return ev.exec ? onExec(ev, ctx) : ev.connect ? onConnect(ev, ctx) : null;
  },
};
