/** Option parsers and the options every store-touching command shares. */
import { Command, InvalidArgumentError, Option } from 'commander';

export const DEFAULT_DATA_DIR = '/var/lib/vigil';

const UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "90s", "15m", "7d" → milliseconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+)([smhdw])$/.exec(value.trim());
  if (!m || Number(m[1]) === 0) throw new InvalidArgumentError(`"${value}" is not a duration: use a number and one of s, m, h, d, w (e.g. 7d)`);
  return Number(m[1]) * UNITS_MS[m[2]];
}

const UNITS_BYTES: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** "512MiB", "1GiB", "4096" → bytes. */
export function parseSize(value: string): number {
  const m = /^(\d+)\s*([KMGT]?)(?:i?B)?$/i.exec(value.trim());
  if (!m || Number(m[1]) === 0) throw new InvalidArgumentError(`"${value}" is not a size: e.g. 512MiB or 1GiB`);
  return Number(m[1]) * UNITS_BYTES[m[2].toUpperCase()];
}

/** A point in time: an ISO date, or a duration meaning "that long ago". */
export function parseTime(value: string): number {
  if (/^\d+[smhdw]$/.test(value.trim())) return Date.now() - parseDuration(value);
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`"${value}" is not a time: give an ISO date (2026-11-28T10:00:00Z) or a duration ago (15m)`);
  return t;
}

export function parsePositiveInt(value: string): number {
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  return Number(value);
}

export function dataDirOption(): Option {
  return new Option('--data-dir <dir>', 'where the store, token and socket live').default(DEFAULT_DATA_DIR);
}

/** Options of commands that talk to a running control plane over gRPC. */
export function addClientOptions(cmd: Command): Command {
  return cmd
    .option('--controlplane <address>', 'unix:///path/vigil.sock or HOST:PORT (default: the socket in --data-dir)')
    .option('--token-file <file>', 'bearer token (default: <data-dir>/token)')
    .option('--tls-ca <file>', 'CA that signed the control plane certificate (TLS)')
    .option('--tls-cert <file>', 'client certificate (mutual TLS)')
    .option('--tls-key <file>', 'client key (mutual TLS)');
}

export type { ClientFlags as ClientOptions } from '../../../proto/client-connection';
