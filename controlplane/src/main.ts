/**
 * The control plane, wired: store → repositories → detections → ingest
 * pipeline → gRPC services → listeners, plus background retention and the
 * outputs that export alerts and events. As a cluster view, it also takes
 * the alerts of node control planes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadVigilProtos, sensorServiceReadingEncodedEvents } from '../../proto/loader';
import { VigilError } from '../../proto/errors';
import { AlertStream } from './alerts/alert-stream';
import { AuditIngest } from './audit/audit-ingest';
import { AuditLogTailer } from './audit/log-tailer';
import { AuditWebhook } from './audit/webhook';
import { ConfiguredRules } from './detections/configured-rules';
import { profileIfAsked } from '../../proto/cpu-profile';
import { watchedPathsOf } from './config/rules-file';
import type { WatchedPath } from '../../proto/watched-paths';
import { DetectionEngine } from './detections/engine';
import { ThreatIntel } from './intel/threat-intel';
import { IngestPipeline } from './ingest/pipeline';
import type { OutputsConfig } from './config/outputs-config';
import type { OutputStats } from './outputs/export-queue';
import { Outputs } from './outputs/outputs';
import { Authenticator, loadOrCreateToken } from './server/auth';
import { AlertService } from './server/alert-service';
import { RECEIVE_WINDOW_OPTIONS, bind, claimSocket, raiseReceiveWindow, tlsCredentials, type TlsFiles } from './server/listeners';
import { isLoopback, parseHostPort } from '../../proto/host-port';
import { QueryService } from './server/query-service';
import { SensorService } from './server/sensor-service';
import { AlertsRepo } from './store/alerts-repo';
import { AuditRepo } from './store/audit-repo';
import { CredentialsRepo } from './store/credentials-repo';
import { openStore } from './store/db';
import { EventsRepo } from './store/events-repo';
import { OutputsRepo } from './store/outputs-repo';
import { Retention, type RetentionPolicy } from './store/retention';
import { StoreWriter } from './store/writer';
import { MetricsEndpoint, describeAddress, type MetricsAddress } from '../../proto/metrics-endpoint';
import type { MetricsSettings } from '../../proto/metrics-flags';
import { addControlPlaneMetrics } from './controlplane-metrics';
import { NodeAlertsRepo } from './store/node-alerts-repo';
import { ClusterView, type ClusterViewOptions } from './cluster/cluster-view';
import { NodeAlertsFanIn } from './cluster/fan-in';
import { listNodeEvents } from './cluster/node-events';
import { makeDir } from '../../proto/make-dir';

/** Exec events replayed per running container at start: its entrypoint's and what an init started come first. */
const RUNNING_EXECS_REPLAYED = 128;

export interface ControlPlaneOptions {
  dataDir: string;
  /** Unix socket path; default <dataDir>/vigil.sock. */
  socketPath?: string;
  /** Also listen on TCP HOST:PORT. */
  listen?: string;
  /** Token file; default <dataDir>/token, generated on first start. */
  tokenFile?: string;
  tls?: TlsFiles;
  /** No authentication at all: only when the user asked for it. */
  insecure?: boolean;
  retention?: RetentionPolicy;
  /** Follow this JSON-lines Kubernetes audit log. */
  auditLog?: string;
  /** Serve the audit webhook (HTTPS) on HOST:PORT; needs `tls`. */
  auditWebhook?: string;
  auditMaxBodyBytes?: number;
  /** How alerts from the audit log name the cluster. */
  clusterName?: string;
  /** YAML rules file: rule switches, severities, exceptions, lists, threat-intel feeds. */
  rulesFile?: string;
  mergeWindowMs?: number;
  maxSubscriberBuffer?: number;
  /** Serve /metrics, /healthz and /readyz (see proto/metrics-flags.ts). */
  metrics?: MetricsSettings;
  /** Run as a cluster view: follow these node control planes' alerts, and answer for their events. */
  cluster?: ClusterViewOptions;
  log?: (line: string) => void;
}

export interface RunningControlPlane {
  socketPath: string;
  /** TCP port actually bound, when listening on TCP. */
  tcpPort?: number;
  /** Port of the audit webhook, when serving it. */
  auditWebhookPort?: number;
  tokenFile: string;
  token: string;
  /** The metrics endpoint, when asked for: more metrics and checks may be added to it. */
  metrics?: MetricsEndpoint;
  /** Where it listens (the port actually bound). */
  metricsAt?: MetricsAddress;
  status(): { eventsStored: number; eventsPerSecond: number; alerts: number; eventsLost: number; sensors: number };
  /** Each configured output's counters (sent, failed, dropped, lag, last error). */
  outputStats(): OutputStats[];
  /** Re-reads the rules file and the threat-intel feeds (what SIGHUP does). */
  reload(): void;
  /**
   * A file holding a sensor credential for `node` (made when missing), for
   * the sensor `vigil up` runs beside this control plane.
   */
  nodeTokenFile(node: string): string;
  stop(): Promise<void>;
}

export async function startControlPlane(o: ControlPlaneOptions): Promise<RunningControlPlane> {
  const log = o.log ?? ((line: string) => process.stderr.write(`vigil controlplane: ${line}\n`));
  const socketPath = o.socketPath ?? path.join(o.dataDir, 'vigil.sock');
  const tokenFile = o.tokenFile ?? path.join(o.dataDir, 'token');

  let tcp: { host: string; port: number } | undefined;
  if (o.listen) {
    tcp = parseHostPort(o.listen);
    if (!isLoopback(tcp.host) && !o.tls && !o.insecure)
      throw new VigilError('INVALID_ARGUMENT', `refusing to listen on ${o.listen} without TLS: tokens would cross the network in clear; pass --tls-cert/--tls-key (and --tls-ca for client certificates), or --insecure`);
  }
  if (o.tls && !o.tls.ca && !o.insecure) log('TLS without --tls-ca: callers authenticate with the bearer token');
  const webhookAt = o.auditWebhook ? parseHostPort(o.auditWebhook) : undefined;
  if (webhookAt && !o.tls) throw new VigilError('INVALID_ARGUMENT', 'the audit webhook is HTTPS: pass --tls-cert and --tls-key (and --tls-ca to accept the API server\'s client certificate)');

  // Intel feeds dropped into this directory load without touching the rules file.
  const intel = new ThreatIntel([path.join(o.dataDir, 'intel')], log);
  let engine: DetectionEngine | undefined;
  let sensorService: SensorService | undefined;
  let watchedPaths: WatchedPath[] = [];
  let outputs: Outputs | undefined;
  let outputsConfig: OutputsConfig | undefined;
  const rules = new ConfiguredRules(o.rulesFile, (ruleSet, file) => {
    engine?.setRuleSet(ruleSet);
    intel.configure(file?.intel.feeds ?? []);
    watchedPaths = watchedPathsOf(file);
    sensorService?.configure(watchedPaths);
    outputsConfig = file?.outputs;
    void outputs?.configure(outputsConfig);
  }, log);
  // First, so that a bad rules file is the one thing said and nothing was started.
  const ruleSet = rules.load();

  makeDir(o.dataDir, 0o700);
  await claimSocket(socketPath);
  const db = openStore(o.dataDir);
  const token = loadOrCreateToken(tokenFile);
  const credentials = new CredentialsRepo(db);
  const auth = new Authenticator({ adminToken: token, credentials, insecure: o.insecure });
  if (o.insecure) log('authentication is OFF (--insecure): anyone who reaches a listener can send events and read alerts');

  const events = new EventsRepo(db);
  const alerts = new AlertsRepo(db);
  const stream = new AlertStream();
  outputs = new Outputs({ repo: new OutputsRepo(db), alerts, log });
  stream.subscribe(() => outputs.poke());
  engine = new DetectionEngine(ruleSet, { log, clusterName: o.clusterName, intel });
  // A restarted control plane still knows the containers that run: their entrypoints (and what an init started), mounts, API address.
  for (const c of events.containers.running(RUNNING_EXECS_REPLAYED)) for (const ev of [c.started, ...c.execs]) engine.containers.observe(ev, Date.now());
  // This thread's connection (migrated above) reads; the writer thread writes.
  const writer = await StoreWriter.start({ dataDir: o.dataDir, mergeWindowMs: o.mergeWindowMs }).catch((err) => {
    db.close();
    throw err;
  });
  const pipeline = new IngestPipeline(events, engine, writer, stream);
  const auditRepo = new AuditRepo(db);
  const audit = new AuditIngest(writer, engine, stream);
  sensorService = new SensorService(auth, pipeline, events, log, watchedPaths);
  const nodeAlerts = new NodeAlertsRepo(db);
  const cluster = o.cluster ? new ClusterView(o.cluster, new NodeAlertsFanIn(writer, nodeAlerts, stream), log) : undefined;
  const clusterQueries = cluster && {
    nodes: () => cluster.status(),
    listNodeEvents: async (name: string, req: Parameters<typeof listNodeEvents>[3]) => {
      const holder = await cluster.holderOf(name);
      return holder && listNodeEvents(name, holder, o.cluster!.link, req);
    },
  };

  const protos = loadVigilProtos().vigil.v1;
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024, ...RECEIVE_WINDOW_OPTIONS });
  server.addService(sensorServiceReadingEncodedEvents(), sensorService.handlers());
  server.addService(protos.AlertService.service, new AlertService(auth, alerts, stream, o.maxSubscriberBuffer).handlers());
  server.addService(protos.QueryService.service, new QueryService(auth, db, events, alerts, pipeline, () => sensorService.connected, nodeAlerts, clusterQueries).handlers());

  const retention = new Retention(db, o.retention ?? {}, log);
  const metrics = o.metrics ? new MetricsEndpoint({ prefix: 'vigil_controlplane_', token: o.metrics.token }) : undefined;
  if (metrics) addControlPlaneMetrics(metrics, { pipeline, sensors: sensorService, writer, retention, stream, engine, outputs: () => outputs.outputStats(), clusterNodes: () => cluster?.status() ?? [] });
  const tailer = o.auditLog ? new AuditLogTailer(o.auditLog, auditRepo, audit, log) : undefined;
  const webhook = webhookAt && o.tls
    ? new AuditWebhook(
        {
          ...webhookAt,
          cert: fs.readFileSync(o.tls.cert),
          key: fs.readFileSync(o.tls.key),
          ca: o.tls.ca ? fs.readFileSync(o.tls.ca) : undefined,
          auth,
          maxBodyBytes: o.auditMaxBodyBytes,
          log,
        },
        audit,
      )
    : undefined;
  try {
    await bind(server, `unix://${socketPath}`, grpc.ServerCredentials.createInsecure());
    fs.chmodSync(socketPath, 0o600);
    let tcpPort: number | undefined;
    if (tcp) {
      const creds = o.tls ? tlsCredentials(o.tls) : grpc.ServerCredentials.createInsecure();
      tcpPort = await bind(server, o.listen!.replace(/:\d+$/, `:${tcp.port}`), creds);
    }
    if (!raiseReceiveWindow(server)) log('the gRPC receive window stays at 64 KiB: this @grpc/grpc-js keeps its HTTP/2 servers where Vigil does not look; sensors will send large batches more slowly');
    const auditWebhookPort = await webhook?.listen();
    const metricsAt = o.metrics && (await metrics!.listen(o.metrics.listen));
    tailer?.start();
    retention.start();
    await outputs.configure(outputsConfig);
    rules.watch();
    intel.watch();
    cluster?.start();
    if (auditWebhookPort) log(`audit webhook on https://${webhookAt!.host}:${auditWebhookPort}/k8s-audit`);
    if (tailer) log(`following audit log ${o.auditLog}${fs.existsSync(o.auditLog!) ? '' : ' (not there yet: read from its start once it appears)'}`);
    if (metricsAt) log(`metrics endpoint on ${describeAddress(metricsAt)}: /metrics, /healthz, /readyz`);
    const profiling = profileIfAsked('controlplane');
    log(`listening on unix://${socketPath}${tcpPort ? ` and ${tcp!.host}:${tcpPort}${o.tls ? ' (TLS)' : ''}` : ''}; store ${path.join(o.dataDir, 'vigil.db')}`);
    return {
      socketPath,
      tcpPort,
      auditWebhookPort,
      tokenFile,
      token,
      metrics,
      metricsAt,
      status: () => ({
        eventsStored: pipeline.eventsStored,
        eventsPerSecond: pipeline.eventsPerSecond(),
        alerts: alerts.count(),
        eventsLost: pipeline.eventsLost,
        sensors: sensorService.connected,
      }),
      outputStats: () => outputs.outputStats(),
      reload() {
        rules.reload();
        intel.refresh(true);
      },
      nodeTokenFile(node) {
        const file = path.join(o.dataDir, 'sensor', `${node}.token`);
        let existing: string | undefined;
        try {
          existing = fs.readFileSync(file, 'utf8').trim();
        } catch {
          // first start of this node's sensor
        }
        const known = existing ? credentials.find(existing) : undefined;
        if (known?.role === 'sensor' && known.name === node) return file;
        makeDir(path.dirname(file), 0o700);
        fs.writeFileSync(file, `${credentials.issue('sensor', node).token}\n`, { mode: 0o600 });
        return file;
      },
      async stop() {
        await profiling.stop();
        await metrics?.close();
        cluster?.stop();
        rules.close();
        intel.close();
        await tailer?.stop();
        await webhook?.close();
        await retention.stop();
        await outputs.stop();
        // Sensor streams and alert subscriptions never end on their own: give
        // in-flight calls a moment, then close what is left.
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => server.forceShutdown(), 2000);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        await writer.close();
        db.close();
        fs.rmSync(socketPath, { force: true });
      },
    };
  } catch (err) {
    await metrics?.close();
    rules.close();
    intel.close();
    await tailer?.stop();
    await webhook?.close();
    await outputs.stop();
    server.forceShutdown();
    await writer.close();
    db.close();
    throw err;
  }
}
