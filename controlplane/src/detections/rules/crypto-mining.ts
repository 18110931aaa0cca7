import ipaddr from 'ipaddr.js';
import type { Event__Output } from '../../../../proto/generated/vigil/v1/Event';
import type { DetectionContext, Finding, HostRule } from '../rule';
import type { Lists } from '../lists';
import { commandLine, inContainer, plainAddress, programOf, type Program } from '../facts';

/** Miner arguments: a stratum pool URL, or options only miners take. */
const MINER_ARGS = /stratum\d?\+(tcp|ssl|tls|ws|wss):\/\/|--donate-level|--randomx|--cpu-max-threads-hint|--cpu-priority|--max-cpu-usage|--rig-id|--coin[= ](monero|xmr|eth|etc|rvn|kaspa)|--nicehash\b/i;
/** A mining algorithm (-a/--algo): only a miner's, when the program also names a pool, a wallet or a worker. */
const ALGO = /^(-a|--algo(=.*)?)$/;
const ALGO_NAMES = /^(rx\/|cryptonight|cn\/|cn-|randomx|kawpow|ethash|etchash|autolykos|argon2\/|ghostrider|verushash|kheavyhash)/i;
const POOL_OR_WALLET = /^(-o|--url|-u|--user|-w|--wallet|--worker|-p|--pass)(=.*)?$/;
/**
 * Mining pools' well-known host names, as hosts: a known name under a real
 * top-level domain, followed by a port, a path or nothing (zpool.ca:3333,
 * not zpool.cache).
 */
const POOL_HOSTS = /(^|[/@.\s=])(xmrpool|nanopool|supportxmr|minexmr|hashvault|moneroocean|f2pool|2miners|nicehash|herominers|c3pool|unmineable|minergate|ethermine|viabtc|antpool|hashcity|zpool|miningpoolhub|kryptex|woolypooly|hiveon|flexpool)\.(com|org|net|eu|io|pro|ca|fr|de|ru|cc|me|co|xyz|info|biz|us|uk|stream)(:\d{2,5}|\/|$)/i;

/** -a/--algo naming a mining algorithm in a program that also names a pool or a wallet. */
function minerAlgo(argv: readonly string[]): boolean {
  let algo = false;
  let pool = false;
  argv.forEach((a, i) => {
    if (ALGO.test(a) && ALGO_NAMES.test(a.includes('=') ? a.slice(a.indexOf('=') + 1) : (argv[i + 1] ?? ''))) algo = true;
    if (i > 0 && POOL_OR_WALLET.test(a)) pool = true;
  });
  return algo && pool;
}

function isPublic(address: string): boolean {
  try {
    return ipaddr.process(address).range() === 'unicast';
  } catch {
    return false;
  }
}

/** Why a program is a miner, from its name or its arguments; undefined when it is not one. */
function minerEvidence(p: Program, lists: Lists): string | undefined {
  if (p.in(lists.miner_names)) return 'known miner binary';
  const byArgs = MINER_ARGS.test(p.argv.join(' ')) || p.argv.some((a) => POOL_HOSTS.test(a)) || minerAlgo(p.argv);
  return byArgs ? 'miner arguments (pool URL or miner options)' : undefined;
}

function onExec(ev: Event__Output, ctx: DetectionContext): Finding | null {
  const evidence = programOf(ev).judged(minerEvidence, ctx.lists);
  if (!evidence) return null;
  const line = commandLine(ev);
  const where = ev.container?.id ? `container ${ev.container.name || ev.container.id.slice(0, 12)}` : 'the host';
  return {
    summary: `crypto miner ${ev.exec!.filename} started in ${where}: ${line}`,
    fields: { evidence, command_line: line },
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
  version: 2,
  title: 'Cryptocurrency mining',
  description:
    'A cryptocurrency miner ran (xmrig, cpuminer, ethminer and the other known binaries, or any program given a ' +
    '`stratum+tcp://` pool URL, a known pool\'s host name with a port or path, miner-only options, or a mining ' +
    'algorithm with a pool or wallet), or a container connected to a public address (NAT64 and 6to4 addresses as ' +
    'the IPv4 they carry) on a port mining pools use (3333, 4444, 5555, 7777, 14444...). A renamed miner that reads ' +
    'its pool from a config file, or a pool on port 443, shows neither: feeds of pool addresses ' +
    '(malicious-ip-connection) cover those. Mining is the most common payload ' +
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
