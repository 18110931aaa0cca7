/**
 * `vigil alerts`: stored alerts from the store, or with --follow a live
 * gRPC subscription that resumes after the last alert it printed whenever
 * the connection breaks.
 */
import * as grpc from '@grpc/grpc-js';
import { Command, InvalidArgumentError } from 'commander';
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import type { AlertFilter__Output } from '../../../proto/generated/vigil/v1/AlertFilter';
import { ALERT_LINE_HEADER, formatAlertLine } from '../../../proto/format/alert-line';
import { loadVigilProtos } from '../../../proto/loader';
import { VigilError } from '../../../proto/errors';
import { untilStopped } from '../../../proto/signals';
import { keepTrying } from '../../../proto/retry';
import { SEVERITY_RANK } from '../alerts/alert-filter';
import { AlertsRepo } from '../store/alerts-repo';
import { openStoreReadOnly } from '../store/db';
import { collect, parsePositiveInt } from '../../../proto/cli-values';
import { addClientOptions, addressFromFlags, callMetadata, channelCredentials, type ClientFlags as ClientOptions } from '../../../proto/client-connection';
import { listAlertsRemotely } from '../../../proto/remote-list';
import { MIN_CONTAINER_PREFIX } from '../../../proto/container-prefix';

interface AlertsFlags extends ClientOptions {
  severity?: string;
  rule?: string[];
  node?: string;
  container?: string;
  namespace?: string;
  pod?: string;
  limit: number;
  json?: boolean;
  follow?: boolean;
  afterId?: number;
}

function parseSeverity(value: string): string {
  const s = `SEVERITY_${value.toUpperCase()}`;
  if (!SEVERITY_RANK[s] || value.toUpperCase() === 'UNSPECIFIED') throw new InvalidArgumentError(`unknown severity "${value}"; expected info, low, medium, high or critical`);
  return s;
}

function parseAfterId(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError(`"${value}" is not an alert id`);
  return Number(value);
}

function toFilter(f: AlertsFlags): AlertFilter__Output {
  // --pod NS/NAME names the namespace too: the way kubectl users think of a pod.
  const [podNamespace, podName] = f.pod?.includes('/') ? f.pod.split('/', 2) : [undefined, f.pod];
  return {
    min_severity: (f.severity ?? 'SEVERITY_UNSPECIFIED') as AlertFilter__Output['min_severity'],
    rule_ids: f.rule ?? [],
    namespace: f.namespace ?? podNamespace ?? '',
    node_name: f.node ?? '',
    container_id: f.container ?? '',
    pod: podName ?? '',
  };
}

function printer(json: boolean | undefined): (a: Alert__Output) => void {
  return (a) => process.stdout.write(json ? `${JSON.stringify(a)}\n` : `${formatAlertLine(a)}\n`);
}

function listAlertsStored(dataDir: string, filter: AlertFilter__Output, limit: number): Alert__Output[] {
  const db = openStoreReadOnly(dataDir);
  try {
    return new AlertsRepo(db).list(filter, { limit, order: 'desc' });
  } finally {
    db.close();
  }
}

/** Follows the alert stream, resuming after the last printed id on every reconnect. */
async function follow(f: AlertsFlags, filter: AlertFilter__Output, print: (a: Alert__Output) => void): Promise<void> {
  const address = addressFromFlags(f);
  const { target } = address;
  const creds = channelCredentials(address);
  const md = callMetadata(address);
  const { AlertService } = loadVigilProtos().vigil.v1;
  const client = new AlertService(target, creds);

  let last = f.afterId;
  if (last === undefined) {
    // Like tail -f: the newest few first, then live.
    const recent = await listAlertsRemotely(f, filter, f.limit);
    for (const a of recent.reverse()) print(a);
    last = recent.length ? Number(recent[recent.length - 1].id) : 0;
  }

  // One subscription per attempt; node-retry spaces the attempts while the control plane stays away.
  let call: grpc.ClientReadableStream<Alert__Output> | undefined;
  let refused: VigilError | undefined;
  const attempt = () =>
    new Promise<'again'>((resolve, reject) => {
      let printed = false;
      call = client.Subscribe({ after_id: String(last), filter }, md);
      call.on('data', (a: Alert__Output) => {
        printed = true;
        last = Number(a.id);
        print(a);
      });
      let over = false;
      const ended = (err?: grpc.ServiceError) => {
        if (stopping || over) return;
        over = true;
        if (err?.code === grpc.status.UNAUTHENTICATED) refused = new VigilError('UNAUTHENTICATED', `control plane at ${target} refused the credentials: check --token-file`);
        else if (err?.code === grpc.status.INVALID_ARGUMENT || err?.code === grpc.status.PERMISSION_DENIED) refused = new VigilError(err.code === grpc.status.INVALID_ARGUMENT ? 'INVALID_ARGUMENT' : 'PERMISSION_DENIED', err.details);
        if (refused) return stopAll();
        process.stderr.write(`vigil alerts: stream ended (${err ? err.details : 'closed'}); resuming after alert ${last}\n`);
        // A stream that delivered resumes at once; one that failed straight away waits longer each time.
        if (printed) resolve('again');
        else reject(err ?? new Error('closed'));
      };
      call.on('error', ended);
      call.on('end', () => ended());
    });
  let stopping = false;
  let stopAll = () => undefined as void;
  await new Promise<void>((resolve) => {
    const trier = keepTrying(attempt, { minMs: 200, maxMs: 5000, keepAlive: true });
    stopAll = () => {
      stopping = true;
      trier.stop();
      call?.cancel();
      resolve();
    };
    void untilStopped().then(stopAll);
  });
  client.close();
  if (refused) throw refused;
}

export function alertsCommand(): Command {
  return addClientOptions(
    new Command('alerts')
      .description('list alerts, newest first (with --controlplane: asked of a running control plane or cluster view), or follow them live')
      .option('-s, --severity <level>', 'at least this severity: info, low, medium, high, critical', parseSeverity)
      .option('-r, --rule <id>', 'only this rule (repeatable)', collect)
      .option('--node <name>', 'node name')
      .option('-c, --container <id>', `container id or prefix (at least ${MIN_CONTAINER_PREFIX} characters)`)
      .option('--namespace <ns>', 'Kubernetes namespace')
      .option('--pod <ns/name>', 'pod, as NAMESPACE/NAME or NAME')
      .option('-n, --limit <n>', 'at most this many (with --follow: how many recent ones first)', parsePositiveInt, 50)
      .option('--json', 'one JSON object per line')
      .option('-f, --follow', 'stream new alerts from the running control plane, resuming after disconnects')
      .option('--after-id <id>', 'with --follow: start after this alert id', parseAfterId),
  ).action(async (f: AlertsFlags, cmd: Command) => {
    const filter = toFilter(f);
    const print = printer(f.json);
    if (f.follow) return follow(f, filter, print);
    if (f.afterId !== undefined) throw new VigilError('INVALID_ARGUMENT', '--after-id goes with --follow');
    // Without --controlplane the list comes from the store in --data-dir: a connection flag would be ignored without a word, and another store shown.
    const connection = (['tokenFile', 'tlsCa', 'tlsCert', 'tlsKey'] as const).filter((k) => f[k] !== undefined);
    if (!f.controlplane && connection.length) throw new VigilError('INVALID_ARGUMENT', `${connection.map((k) => cmd.options.find((o) => o.attributeName() === k)!.long).join(', ')} ${connection.length > 1 ? 'go' : 'goes'} with --controlplane or --follow: without them, alerts are listed from the store in --data-dir`);
    const listed = f.controlplane ? await listAlertsRemotely(f, filter, f.limit) : listAlertsStored(f.dataDir, filter, f.limit);
    if (!f.json) process.stdout.write(`${ALERT_LINE_HEADER}\n`);
    for (const a of listed) print(a);
  });
}
