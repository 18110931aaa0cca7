/**
 * How clients (the sensor, vigil alerts --follow) reach the control plane: a gRPC target, channel
 * credentials and the per-call metadata carrying the token. grpc-js refuses
 * call credentials on insecure channels (unix sockets), so the token travels
 * as plain call metadata on both kinds.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Command, Option } from 'commander';
import { DEFAULT_RING_BYTES, collect, durationOption, durationUpTo, listOf, parseRingBytes, sizeOption } from './cli-values';
import { CRI_SOCKETS } from './cri-runtime';
import { VigilError } from './errors';
import { defaultNodeName, nodeNameProblem, parseNodeName } from './node-name';
import { readNamedFile } from './read-file';

export const DEFAULT_DATA_DIR = '/var/lib/vigil';

export function dataDirOption(): Option {
  return new Option('--data-dir <dir>', 'where the store, tokens, socket and the sensor\'s log live').default(DEFAULT_DATA_DIR);
}

/** The flags of every command that talks to a control plane over gRPC, declared once. */
export function addClientOptions(cmd: Command): Command {
  return cmd
    .addOption(dataDirOption())
    .option('--controlplane <address>', 'unix:///path/vigil.sock or HOST:PORT (default: the socket in --data-dir)')
    .option('--token-file <file>', 'bearer token (default: <data-dir>/token)')
    .option('--tls-ca <file>', 'CA that signed the control plane certificate (TLS)')
    .option('--tls-cert <file>', 'client certificate (mutual TLS; with --tls-key)')
    .option('--tls-key <file>', 'client key (mutual TLS; with --tls-cert)');
}

/** The command-line flags every client of the control plane takes. */
export interface ClientFlags {
  dataDir: string;
  controlplane?: string;
  tokenFile?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export interface ControlPlaneAddress {
  /** unix:///path/to/vigil.sock or HOST:PORT. */
  target: string;
  token?: string;
  tls?: { ca?: string; cert?: string; key?: string };
}

/** The token in `file`, with a message that says what to do when it is missing. */
export function readTokenFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new VigilError('UNAUTHENTICATED', `read token file ${file}: ${(err as Error).message}; start the control plane once (it writes the token) or pass --token-file`, { cause: err });
  }
}

/**
 * Where and how to reach the control plane from the flags: the socket in the
 * data dir by default; with a client certificate the token is optional,
 * otherwise it is required.
 */
export function addressFromFlags(f: ClientFlags): ControlPlaneAddress {
  if ((f.tlsCert === undefined) !== (f.tlsKey === undefined)) throw new VigilError('INVALID_ARGUMENT', '--tls-cert and --tls-key go together: give both, or neither');
  const target = f.controlplane ?? `unix://${path.join(f.dataDir, 'vigil.sock')}`;
  const tls = f.tlsCa || f.tlsCert ? { ca: f.tlsCa, cert: f.tlsCert, key: f.tlsKey } : undefined;
  const token = f.tokenFile || !f.tlsCert ? readTokenFile(f.tokenFile ?? path.join(f.dataDir, 'token')) : undefined;
  return { target, token, tls };
}

let ipServernameWarningMuted = false;

/**
 * grpc-js puts the target's host in TLS's server name even when it is an IP
 * address (grpc/grpc-node#1919), and Node.js then warns (DEP0123) on every
 * command that reaches a control plane by address: a warning the user can do
 * nothing about, since the certificate is still checked against the IP.
 * That one warning is not printed; every other still is.
 */
function muteIpServernameWarning(): void {
  if (ipServernameWarningMuted) return;
  ipServernameWarningMuted = true;
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string }) => {
    if (warning.code === 'DEP0123') return;
    for (const print of printers) print(warning);
  });
}

/** The host part of a HOST:PORT or [IPv6]:PORT target. */
function targetHost(target: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(target);
  return bracketed ? bracketed[1] : target.replace(/:\d+$/, '');
}

export function channelCredentials(a: ControlPlaneAddress): grpc.ChannelCredentials {
  if (!a.tls) return grpc.credentials.createInsecure();
  if (net.isIP(targetHost(a.target))) muteIpServernameWarning();
  return grpc.credentials.createSsl(
    a.tls.ca ? readNamedFile(a.tls.ca, 'TLS CA') : null,
    a.tls.key ? readNamedFile(a.tls.key, 'TLS key') : null,
    a.tls.cert ? readNamedFile(a.tls.cert, 'TLS certificate') : null,
  );
}

export function callMetadata(a: ControlPlaneAddress): grpc.Metadata {
  const md = new grpc.Metadata();
  if (a.token) md.set('authorization', `Bearer ${a.token}`);
  return md;
}

/** What Node.js said about a refused certificate, without grpc-js's wrapping. */
function tlsReason(details: string): string {
  const m = /Last error: (?:Error(?: \[\w+\])?: )?(.*?)(?:\.? Resolution note: ?)?$/.exec(details);
  return m ? m[1] : details;
}

/** One sentence for a gRPC failure, with the next step where there is one. */
export function describeGrpcError(err: grpc.ServiceError, target: string): string {
  switch (err.code) {
    case grpc.status.UNAVAILABLE:
      if (/certificate required/.test(err.details)) return `control plane at ${target} requires a client certificate (it runs with --tls-ca): give --tls-cert and --tls-key (vigil certs issue)`;
      if (/ERR_TLS_CERT_ALTNAME_INVALID|altnames/.test(err.details))
        return `control plane at ${target} answered with a certificate for other names (${tlsReason(err.details)}): reach it by a name or address its certificate holds (vigil certs init --host)`;
      if (/UNABLE_TO_VERIFY|SELF_SIGNED|unable to verify|self[- ]signed|CERT_HAS_EXPIRED|certificate has expired/.test(err.details))
        return `control plane at ${target} answered with a certificate this client does not trust (${tlsReason(err.details)}): give the CA that signed it with --tls-ca`;
      // grpc-js ends a failed connect with an empty "Resolution note: "; it says nothing.
      return `control plane at ${target} is unreachable (${err.details.replace(/\.? Resolution note: ?$/, '')}); is it running?`;
    case grpc.status.UNAUTHENTICATED:
      return `control plane at ${target} refused the credentials: check the token file (or client certificate)`;
    case grpc.status.PERMISSION_DENIED:
      return `control plane at ${target} refused this credential: ${err.details}`;
    default:
      return `control plane at ${target}: ${grpc.status[err.code] ?? err.code}: ${err.details}`;
  }
}

/**
 * How long a node sensor gathers kernel records into one batch. Each batch
 * costs both processes a fixed price (a log write, a gRPC message and its
 * ack, a store commit), which at a node's usual trickle of events is most
 * of their CPU: 200 ms costs over a quarter less CPU than 50 ms there
 * (README, Benchmarks) and keeps an event's way to the store well inside a
 * second.
 */
export const DEFAULT_BATCH_INTERVAL_MS = 200;

/**
 * The flags of the node sensor, declared once for `vigil sensor` and for
 * `vigil up`, which passes them on to the sensor it runs.
 */
export function addSensorOptions(cmd: Command): Command {
  return cmd
    .option('--node-name <name>', 'this node as alerts name it (default: the host name, lower-cased)', parseNodeName)
    .option('--spill-dir <dir>', 'where the sensor keeps its write-ahead log of batches not yet acknowledged (default: <data-dir>/sensor)')
    .addOption(sizeOption('--ring-bytes <size>', 'kernel ring buffer size, a power of two (e.g. 16MiB)', parseRingBytes, DEFAULT_RING_BYTES))
    .addOption(durationOption('--batch-interval <duration>', 'send what the kernel reported at least this often (10ms to 10s): shorter means alerts sooner and more CPU per event', durationUpTo(10_000, 10), DEFAULT_BATCH_INTERVAL_MS))
    .option('--cri-socket <path>', `container runtime (CRI) socket (default: the first of ${CRI_SOCKETS.join(', ')})`)
    .option('--oci-bundle-root <dir>', 'where a container runtime keeps its OCI bundles, besides the usual places (repeatable)', collect)
    .option(
      '--forward <types>',
      `also send these to the control plane: ${TREE_EVENTS.join(', ')} (comma list; by default they only keep the sensor's process tree, which every event's process and ancestry come from)`,
      listOf(TREE_EVENTS, 'process-tree event'),
    );
}

/**
 * Kernel events that keep the sensor's process tree. Every exec, connect,
 * mount and file event carries what they taught it (its process, parent and
 * ancestry), so by default they stay in the sensor: an exec is three events
 * with them, one without, and no rule reads them.
 */
export const TREE_EVENTS = ['fork', 'exit'] as const;
export type TreeEvent = (typeof TREE_EVENTS)[number];

/** What addSensorOptions declares. */
export interface SensorOptionFlags {
  nodeName?: string;
  spillDir?: string;
  ringBytes: number;
  batchInterval: number;
  criSocket?: string;
  ociBundleRoot?: string[];
  forward?: TreeEvent[];
}

/** This node's name: the flag, else the host name, checked either way (a host name need not be a node name). */
export function nodeNameOf(f: SensorOptionFlags): string {
  const name = f.nodeName ?? defaultNodeName(os.hostname());
  const problem = nodeNameProblem(name);
  if (problem) throw new VigilError('INVALID_ARGUMENT', `this host's name cannot name the node (${problem}); give --node-name`);
  return name;
}
