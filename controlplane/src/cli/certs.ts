/**
 * `vigil certs`: the certificates of a multi-node installation, made with
 * openssl. `init` makes a CA and the control plane's server certificate;
 * `issue` makes a client certificate for a node's sensor (CN = the node
 * name), a reader or an audit sender (the API server's webhook), its role
 * in O. Keys are ECDSA P-256 and written 0600.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { VigilError } from '../../../proto/errors';
import { parseNodeName } from '../../../proto/node-name';
import { parseCredentialLabel } from './options';
import { collect, intUpTo } from '../../../proto/cli-values';
import { makeDir } from '../../../proto/make-dir';

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new VigilError('UNAVAILABLE', 'vigil certs needs openssl on the PATH (apt-get install openssl)');
    throw new VigilError('INTERNAL', `openssl ${args[0]} in ${dir}: ${e.stderr?.toString().trim() || e.message}`, { cause: err });
  }
}

/** A new P-256 key at `file`, 0600 from the start. */
function newKey(dir: string, file: string): void {
  const fd = fs.openSync(path.join(dir, file), fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o600);
  fs.closeSync(fd);
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
  fs.chmodSync(path.join(dir, file), 0o600);
}

function refuseOverwrite(dir: string, files: string[]): void {
  const present = files.filter((f) => fs.existsSync(path.join(dir, f)));
  if (present.length) throw new VigilError('INVALID_ARGUMENT', `${present.map((f) => path.join(dir, f)).join(', ')} already exist${present.length === 1 ? 's' : ''}; remove ${present.length === 1 ? 'it' : 'them'} or choose another --dir`);
}

/** A certificate for `subject` signed by the CA in `dir`, with these extensions. */
function signed(dir: string, name: string, subject: string, extensions: string, days: number): void {
  newKey(dir, `${name}.key`);
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  try {
    openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', String(days), '-sha256', '-extfile', `${name}.ext`]);
  } finally {
    for (const f of [`${name}.csr`, `${name}.ext`]) fs.rmSync(path.join(dir, f), { force: true });
  }
}

/** An IP address or a DNS name, as a subjectAltName entry. */
function altName(host: string): string {
  return /^[\d.]+$|:/.test(host) ? `IP:${host}` : `DNS:${host}`;
}

export function initPki(dir: string, hosts: string[], days: number): string[] {
  makeDir(dir, 0o700);
  refuseOverwrite(dir, ['ca.key', 'ca.crt', 'server.key', 'server.crt']);
  newKey(dir, 'ca.key');
  openssl(dir, ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=Vigil CA', '-days', String(days), '-sha256', '-out', 'ca.crt', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  signed(dir, 'server', `/CN=${hosts[0]}`, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${hosts.map(altName).join(',')}\n`, days);
  return ['ca.crt', 'ca.key', 'server.crt', 'server.key'].map((f) => path.join(dir, f));
}

export type CertRole = 'sensor' | 'reader' | 'audit';

export function issueCert(dir: string, role: CertRole, name: string, days: number): string[] {
  if (!fs.existsSync(path.join(dir, 'ca.key'))) throw new VigilError('INVALID_ARGUMENT', `no CA in ${dir}: run vigil certs init --dir ${dir} first`);
  const file = `${role}-${name}`;
  refuseOverwrite(dir, [`${file}.key`, `${file}.crt`]);
  // The control plane reads the role from O and, for a sensor, the node from CN.
  signed(dir, file, `/O=vigil-${role}/CN=${name}`, 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n', days);
  return [`${file}.crt`, `${file}.key`].map((f) => path.join(dir, f));
}

function collectHost(value: string, previous: string[] | undefined): string[] {
  if (!/^[A-Za-z0-9.:-]+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a host name or an IP address`);
  return collect(value, previous);
}

/** openssl takes days up to about 2^31 but fails on dates past 9999; a century is more than any CA needs. */
const parseDays = intUpTo(36_500);

interface IssueFlags {
  dir: string;
  node?: string;
  reader?: string;
  audit?: string;
  days: number;
}

export function certsCommand(): Command {
  const certs = new Command('certs').description('make the CA and certificates of a multi-node installation (mutual TLS), with openssl');
  certs
    .command('init')
    .description('a CA and the control plane\'s server certificate')
    .requiredOption('--dir <dir>', 'where to write them (created 0700; keys 0600)')
    .requiredOption('--host <name>', 'a name or address the control plane is reached at (repeatable)', collectHost)
    .option('--days <n>', 'validity in days (up to 36500)', parseDays, 825)
    .action((f: { dir: string; host: string[]; days: number }) => {
      for (const file of initPki(f.dir, f.host, f.days)) process.stdout.write(`${file}\n`);
    });
  certs
    .command('issue')
    .description('a client certificate: a node\'s sensor (CN = the node name), a reader, or an audit sender')
    .requiredOption('--dir <dir>', 'the directory vigil certs init wrote the CA to')
    .option('--node <name>', 'for the sensor of this node: it may send this node\'s events only', parseNodeName)
    .option('--reader <name>', 'for a reader (vigil alerts, vigil events, the alert stream)', parseCredentialLabel)
    .option('--audit <name>', 'for an audit sender (the API server\'s audit webhook)', parseCredentialLabel)
    .option('--days <n>', 'validity in days (up to 36500)', parseDays, 825)
    .action((f: IssueFlags) => {
      const chosen = (['node', 'reader', 'audit'] as const).filter((k) => f[k] !== undefined);
      if (chosen.length !== 1) throw new VigilError('INVALID_ARGUMENT', 'say who the certificate is for: one of --node NAME, --reader NAME or --audit NAME');
      const role: CertRole = chosen[0] === 'node' ? 'sensor' : chosen[0];
      for (const file of issueCert(f.dir, role, f[chosen[0]]!, f.days)) process.stdout.write(`${file}\n`);
    });
  return certs;
}
