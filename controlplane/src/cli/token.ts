/**
 * `vigil token`: credentials the control plane issues, kept as hashes in
 * its store. A sensor's token writes its own node's events only; a
 * reader's reads; an audit sender's posts to the webhook. The token is
 * shown once, or written 0600 to --out.
 */
import * as fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { VigilError } from '../../../proto/errors';
import { parseNodeName } from '../../../proto/node-name';
import { CredentialsRepo, type IssuedRole } from '../store/credentials-repo';
import { openStore } from '../store/db';
import { parseCredentialLabel } from './options';
import { dataDirOption } from '../../../proto/client-connection';

function parseId(value: string): number {
  if (!/^[1-9]\d{0,12}$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a credential id (vigil token list shows them)`);
  return Number(value);
}

/** Writes a token to `file`, 0600, refusing to replace one. */
export function writeTokenFile(file: string, token: string): void {
  try {
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    throw new VigilError('INVALID_ARGUMENT', `write token to ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function withRepo<T>(dataDir: string, fn: (repo: CredentialsRepo) => T): T {
  const db = openStore(dataDir);
  try {
    return fn(new CredentialsRepo(db));
  } finally {
    db.close();
  }
}

interface CreateFlags {
  dataDir: string;
  node?: string;
  reader?: string;
  audit?: string;
  out?: string;
}

export function tokenCommand(): Command {
  const token = new Command('token').description('credentials for sensors, readers and audit senders (run where the control plane\'s store is)');
  token
    .command('create')
    .description('a new credential: its token is shown once (or written 0600 to --out)')
    .addOption(dataDirOption())
    .option('--node <name>', 'for the sensor of this node: it may send this node\'s events only', parseNodeName)
    .option('--reader <name>', 'for a reader: alerts, events, status, the alert stream', parseCredentialLabel)
    .option('--audit <name>', 'for an audit sender: the audit webhook only', parseCredentialLabel)
    .option('--out <file>', 'write the token to this file (0600) instead of printing it')
    .action((f: CreateFlags) => {
      const chosen = (['node', 'reader', 'audit'] as const).filter((k) => f[k] !== undefined);
      if (chosen.length !== 1) throw new VigilError('INVALID_ARGUMENT', 'say who the credential is for: one of --node NAME, --reader NAME or --audit NAME');
      const role: IssuedRole = chosen[0] === 'node' ? 'sensor' : chosen[0];
      const issued = withRepo(f.dataDir, (repo) => repo.issue(role, f[chosen[0]]!));
      if (f.out) {
        writeTokenFile(f.out, issued.token);
        process.stdout.write(`credential ${issued.id} (${role} ${f[chosen[0]]}) written to ${f.out}\n`);
      } else {
        process.stdout.write(`${issued.token}\n`);
        process.stderr.write(`credential ${issued.id} (${role} ${f[chosen[0]]}); the token above is not shown again\n`);
      }
    });
  token
    .command('list')
    .description('the credentials issued: id, role, name, when, revoked or not (never the tokens)')
    .addOption(dataDirOption())
    .option('--json', 'one JSON object per credential')
    .action((f: { dataDir: string; json?: boolean }) => {
      const rows = withRepo(f.dataDir, (repo) => repo.list());
      let out = f.json ? '' : `${'ID'.padStart(5)} ${'ROLE'.padEnd(7)} ${'NAME'.padEnd(40)} ${'CREATED'.padEnd(24)} REVOKED\n`;
      const iso = (us: number | null) => (us === null ? '-' : new Date(us / 1000).toISOString());
      for (const r of rows) out += f.json ? `${JSON.stringify(r)}\n` : `${String(r.id).padStart(5)} ${r.role.padEnd(7)} ${r.name.padEnd(40)} ${iso(r.created_us).padEnd(24)} ${iso(r.revoked_us)}\n`;
      process.stdout.write(out);
    });
  token
    .command('revoke <id>')
    .description('revoke a credential: calls made with it are refused from now on')
    .addOption(dataDirOption())
    .action((idText: string, f: { dataDir: string }) => {
      const id = parseId(idText);
      if (!withRepo(f.dataDir, (repo) => repo.revoke(id))) throw new VigilError('INVALID_ARGUMENT', `no live credential ${id}; vigil token list shows them`);
      process.stdout.write(`credential ${id} revoked\n`);
    });
  return token;
}
