/**
 * `vigil cluster`: the cluster view. A control plane (the audit webhook and
 * log, the cluster rules, its own store and alert stream) that also follows
 * the alert stream of every node control plane, and answers for a node's
 * events by asking that node.
 */
import { Command, InvalidArgumentError } from 'commander';
import { VigilError } from '../../../proto/errors';
import { untilStopped } from '../../../proto/signals';
import { EndpointSliceDiscovery, inClusterApi, parseServiceRef, staticNodes } from '../cluster/discovery';
import { nodeLink } from '../cluster/node-link';
import { startControlPlane } from '../main';
import { parseHostPort } from '../../../proto/host-port';
import { addServerOptions, serverOptions, type ServerFlags } from './controlplane';

interface ClusterFlags extends ServerFlags {
  nodes?: string[];
  nodesService?: string;
  nodeTokenFile?: string;
  nodeTlsCa?: string;
  nodeTlsCert?: string;
  nodeTlsKey?: string;
  nodeInsecure?: boolean;
  nodeTlsServerName?: string;
}

/** The name a Service's certificate carries inside the cluster, as `vigil certs init --host` is told in the README. */
export function serviceDnsName(ref: { namespace: string; name: string }): string {
  return `${ref.name}.${ref.namespace}.svc`;
}

/** `--nodes a:7443,b:7443` (a unix:///path socket too, for nodes on this host). */
export function parseNodeList(value: string): string[] {
  const nodes = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!nodes.length) throw new InvalidArgumentError('no node address: give HOST:PORT[,HOST:PORT...]');
  for (const n of nodes) {
    if (n.startsWith('unix:///')) continue;
    try {
      parseHostPort(n);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  }
  return [...new Set(nodes)];
}

function checkedServiceRef(value: string): string {
  try {
    parseServiceRef(value);
    return value;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function clusterCommand(): Command {
  return addServerOptions(new Command('cluster'))
    .description('run the cluster view: the audit webhook and cluster rules, plus the alerts of every node control plane, and their events on request')
    .option('--nodes <host:port,...>', 'the node control planes to follow', parseNodeList)
    .option('--nodes-service <namespace/name>', 'find the node control planes in the EndpointSlices of this headless Service (in a pod: its service account lists them; port named "grpc", else the first)', checkedServiceRef)
    .option('--node-token-file <file>', 'bearer token presented to the nodes: a reader credential every node accepts (vigil token create --reader ... --from FILE)')
    .option('--node-tls-ca <file>', 'CA that signed the node control planes\' certificates (TLS to the nodes)')
    .option('--node-tls-cert <file>', 'client certificate for the nodes (O=vigil-reader; mutual TLS, with --node-tls-key)')
    .option('--node-tls-key <file>', 'client key for the nodes (with --node-tls-cert)')
    .option('--node-tls-server-name <name>', 'the name the node certificates carry (default with --nodes-service NS/NAME: NAME.NS.svc; with --nodes: the host given)')
    .option('--node-insecure', 'reach the nodes without TLS or credentials (never on a shared network)')
    .action(async (f: ClusterFlags) => {
      if (!f.nodes === !f.nodesService) throw new VigilError('INVALID_ARGUMENT', 'say where the nodes are: --nodes HOST:PORT,... or --nodes-service NAMESPACE/NAME (one of them)');
      const o = serverOptions(f);
      const log = (line: string) => process.stderr.write(`vigil cluster: ${line}\n`);
      const link = nodeLink({
        tokenFile: f.nodeTokenFile,
        tls: f.nodeTlsCa || f.nodeTlsCert || f.nodeTlsKey ? { ca: f.nodeTlsCa, cert: f.nodeTlsCert, key: f.nodeTlsKey } : undefined,
        insecure: f.nodeInsecure,
        serverName: f.nodeTlsServerName ?? (f.nodesService ? serviceDnsName(parseServiceRef(f.nodesService)) : undefined),
      });
      if (f.nodeInsecure) log('reaching the nodes WITHOUT TLS or credentials (--node-insecure): anyone on the path can read or forge node alerts');
      const discovery = f.nodes ? staticNodes(f.nodes) : new EndpointSliceDiscovery(parseServiceRef(f.nodesService!), inClusterApi(), log);
      const cp = await startControlPlane({ ...o, log, cluster: { discovery, link } });
      await untilStopped(() => cp.reload());
      await cp.stop();
    });
}
