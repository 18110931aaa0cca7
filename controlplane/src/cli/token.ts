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
import { openStore, requireStore } from '../store/db';
import { parseCredentialLabel } from './options';
import { dataDirOption, readTokenFile } from '../../../proto/client-connection';

function parseId(value: string): number {
  if (!/^[1-9]\d{0,12}$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a credential id (vigil token list shows them)`);
  return Number(value);
}

/** Creates `file`, 0600, refusing to replace one: before a token is issued, so that a file that cannot be written leaves no credential whose token nobody has. */
function createTokenFile(file: string): number {
  try {
    return fs.openSync(file, 'wx', 0o600);
  } catch (err) {
    throw new VigilError('INVALID_ARGUMENT', `write token to ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function writeToken(fd: number, file: string, token: string): void {
  try {
    fs.writeSync(fd, `${token}\n`);
  } catch (err) {
    throw new VigilError('INVALID_ARGUMENT', `write token to ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** A token given to accept: long enough not to be guessed. */
function readGivenToken(file: string): string {
  const token = readTokenFile(file);
  if (!/^[\x21-\x7e]{32,512}$/.test(token)) throw new VigilError('INVALID_ARGUMENT', `the token in ${file} must be 32 to 512 printable characters without spaces (e.g. openssl rand -hex 32)`);
  return token;
}

/**
 * `create` makes the store when the data directory has none yet (credentials
 * made before the control plane's first start), but never the directory: a
 * mistyped --data-dir would get a store of its own that no control plane
 * reads. `list` and `revoke` need a store.
 */
function withRepo<T>(dataDir: string, makeStore: boolean, fn: (repo: CredentialsRepo) => T): T {
  if (!makeStore) requireStore(dataDir);
  else if (!fs.existsSync(dataDir)) throw new VigilError('STORE_UNAVAILABLE', `no data directory ${dataDir}: the control plane makes it on its first start (or pass --data-dir)`);
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
  from?: string;
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
    .option('--from <file>', 'accept the token in this file instead of making one: one secret (e.g. a Kubernetes Secret) that every node\'s control plane accepts, for the cluster view')
    .action((f: CreateFlags) => {
      const chosen = (['node', 'reader', 'audit'] as const).filter((k) => f[k] !== undefined);
      if (chosen.length !== 1) throw new VigilError('INVALID_ARGUMENT', 'say who the credential is for: one of --node NAME, --reader NAME or --audit NAME');
      if (f.from && f.out) throw new VigilError('INVALID_ARGUMENT', '--from accepts a token that exists: there is none to write with --out');
      const role: IssuedRole = chosen[0] === 'node' ? 'sensor' : chosen[0];
      const given = f.from === undefined ? undefined : readGivenToken(f.from);
      const fd = f.out === undefined ? undefined : createTokenFile(f.out);
      let issued: { id: number; token: string } | undefined;
      try {
        issued = withRepo(f.dataDir, true, (repo) => {
          try {
            return repo.issue(role, f[chosen[0]]!, given);
          } catch (err) {
            if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw err;
            throw new VigilError('INVALID_ARGUMENT', `the token in ${f.from} is already a credential here (vigil token list shows them)`, { cause: err });
          }
        });
        if (fd !== undefined) writeToken(fd, f.out!, issued.token);
      } catch (err) {
        if (fd === undefined) throw err;
        // Nobody will ever hold this token: it must not stay valid.
        if (issued) withRepo(f.dataDir, false, (repo) => repo.revoke(issued!.id));
        fs.closeSync(fd);
        fs.rmSync(f.out!, { force: true });
        throw err;
      }
      if (given !== undefined) {
        process.stdout.write(`credential ${issued.id} (${role} ${f[chosen[0]]}) accepts the token in ${f.from}\n`);
        return;
      }
      if (fd !== undefined) {
        fs.closeSync(fd);
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
      const rows = withRepo(f.dataDir, false, (repo) => repo.list());
      let out = f.json ? '' : `${'ID'.padStart(5)} ${'ROLE'.padEnd(7)} ${'NAME'.padEnd(40)} ${'CREATED'.padEnd(24)} REVOKED\n`;
      const iso = (us: number | null) => (us === null ? '-' : new Date(us / 1000).toISOString());
      for (const r of rows) out += f.json ? `${JSON.stringify(r)}\n` : `${String(r.id).padStart(5)} ${r.role.padEnd(7)} ${r.name.padEnd(40)} ${iso(r.created_us).padEnd(24)} ${iso(r.revoked_us)}\n`;
      process.stdout.write(out);
    });
  token
    .command('revoke')
    .description('revoke a credential: calls made with it are refused from now on')
    .argument('<id>', 'the credential (vigil token list shows them)', parseId)
    .addOption(dataDirOption())
    .action((id: number, f: { dataDir: string }) => {
      if (!withRepo(f.dataDir, false, (repo) => repo.revoke(id))) throw new VigilError('INVALID_ARGUMENT', `no live credential ${id}; vigil token list shows them`);
      process.stdout.write(`credential ${id} revoked\n`);
    });
  return token;
}
