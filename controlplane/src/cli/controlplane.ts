/** `vigil controlplane`: the control plane alone (the sensors connect to it). */
import * as fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { untilStopped } from '../../../proto/signals';
import { startControlPlane, type ControlPlaneOptions } from '../main';
import { durationUpTo, parseSize } from '../../../proto/cli-values';
import { VigilError } from '../../../proto/errors';
import { dataDirOption } from '../../../proto/client-connection';
import { addMetricsOptions, metricsSettings, type MetricsFlags } from '../../../proto/metrics-flags';

/** A file to follow, or one the API server has yet to write; a directory or a device would only fail at every poll. */
function parseAuditLog(value: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(value);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return value;
    throw new InvalidArgumentError(`${value}: ${(err as Error).message}`);
  }
  if (!st.isFile()) throw new InvalidArgumentError(`${value} is not a regular file (give the audit log file itself)`);
  return value;
}

export interface ServerFlags extends MetricsFlags {
  dataDir: string;
  socket?: string;
  listen?: string;
  tokenFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  insecure?: boolean;
  retention?: number;
  maxDbSize?: number;
  auditLog?: string;
  auditWebhook?: string;
  clusterName: string;
  rules?: string;
}

/** The server options shared by `vigil controlplane` and `vigil up`. */
export function addServerOptions(cmd: Command): Command {
  const server = cmd
    .addOption(dataDirOption())
    .option('--socket <path>', 'unix socket to listen on (default: <data-dir>/vigil.sock)')
    .option('--listen <host:port>', 'also listen on TCP (non-loopback needs TLS or --insecure)')
    .option('--token-file <file>', 'bearer token file (default: <data-dir>/token, created 0600 on first start)')
    .option('--tls-cert <file>', 'server certificate for TCP')
    .option('--tls-key <file>', 'server key for TCP')
    .option('--tls-ca <file>', 'CA for client certificates: every gRPC client over TCP must then present one signed by it (tokens still serve the unix socket and the audit webhook)')
    .option('--insecure', 'turn authentication off (never on a shared network)')
    .option('--retention <duration>', 'delete events and alerts older than this (e.g. 7d; up to 10 years)', durationUpTo(3650 * 86_400_000, 60_000))
    .option('--max-db-size <size>', 'keep the store under this size (e.g. 1GiB)', parseSize)
    .option('--audit-log <file>', 'follow this Kubernetes audit log (JSON lines), across rotations and restarts; one not written yet is waited for', parseAuditLog)
    .option('--audit-webhook <host:port>', 'serve the Kubernetes audit webhook over HTTPS (uses --tls-cert/--tls-key/--tls-ca)')
    .option('--cluster-name <name>', 'how alerts from the audit log name the cluster', 'kubernetes')
    .option('--rules <file>', 'rules file (YAML): rules on/off, severities, exceptions, lists, threat-intel feeds; re-read on change and SIGHUP');
  return addMetricsOptions(server);
}

export function serverOptions(f: ServerFlags): ControlPlaneOptions {
  if ((f.tlsCert === undefined) !== (f.tlsKey === undefined)) throw new VigilError('INVALID_ARGUMENT', '--tls-cert and --tls-key go together: give both, or neither');
  return {
    dataDir: f.dataDir,
    socketPath: f.socket,
    listen: f.listen,
    tokenFile: f.tokenFile,
    tls: f.tlsCert && f.tlsKey ? { cert: f.tlsCert, key: f.tlsKey, ca: f.tlsCa } : undefined,
    insecure: f.insecure,
    retention: { maxAgeMs: f.retention, maxBytes: f.maxDbSize },
    auditLog: f.auditLog,
    auditWebhook: f.auditWebhook,
    clusterName: f.clusterName,
    rulesFile: f.rules,
    metrics: metricsSettings(f),
  };
}

export function controlplaneCommand(): Command {
  return addServerOptions(new Command('controlplane'))
    .description('run the control plane: sensor ingest, detections, store and alert stream')
    .action(async (flags: ServerFlags) => {
      const cp = await startControlPlane(serverOptions(flags));
      await untilStopped(() => cp.reload());
      await cp.stop();
    });
}
