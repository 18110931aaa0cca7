/**
 * Which node control planes the cluster view follows: a fixed list, or the
 * EndpointSlices of a headless Service, listed again every few seconds
 * through the Kubernetes API with the pod's service-account credentials. A
 * failed listing keeps the last known nodes (a node already followed keeps
 * being followed) and is logged once until listing works again.
 */
import * as https from 'node:https';
import { VigilError } from '../../../proto/errors';
import { endpointsOfSlices, type NodeEndpoint } from './endpoint-slices';
import { formatHostPort } from '../../../proto/host-port';
import { readNamedFile } from '../../../proto/read-file';

export type NodesListener = (nodes: NodeEndpoint[]) => void;

export interface NodeDiscovery {
  /** Calls `listener` with every node set, the first as soon as known. */
  start(listener: NodesListener): void;
  stop(): void;
  /** How the nodes are found, for the log. */
  readonly description: string;
}

export function staticNodes(addresses: readonly string[]): NodeDiscovery {
  return {
    description: `the nodes ${addresses.join(', ')}`,
    start: (listener) => listener(addresses.map((address) => ({ address }))),
    stop: () => undefined,
  };
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubernetesApi {
  /** https://HOST:PORT of the API server. */
  server: string;
  tokenFile: string;
  caFile: string;
}

/** The API server and credentials a pod is given (KUBERNETES_SERVICE_HOST/PORT, its service account). */
export function inClusterApi(env: NodeJS.ProcessEnv = process.env): KubernetesApi {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new VigilError('INVALID_ARGUMENT', '--nodes-service needs the Kubernetes API, and KUBERNETES_SERVICE_HOST is not set: run vigil cluster in a pod, or give --nodes');
  return { server: `https://${formatHostPort(host, port)}`, tokenFile: `${SERVICE_ACCOUNT}/token`, caFile: `${SERVICE_ACCOUNT}/ca.crt` };
}

/** `--nodes-service NAMESPACE/NAME`, checked as Kubernetes names are. */
export function parseServiceRef(value: string): { namespace: string; name: string } {
  const m = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)\/([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)$/.exec(value);
  if (!m) throw new VigilError('INVALID_ARGUMENT', `"${value}" is not NAMESPACE/NAME of a Service (lower-case DNS labels, e.g. vigil/vigil-node)`);
  return { namespace: m[1], name: m[3] };
}

function readFile(file: string, what: string): Buffer {
  return readNamedFile(file, `the ${what}`, 'UNAVAILABLE');
}

function getJson(url: string, token: string, ca: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 300)}`));
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(new Error(`the answer is not JSON: ${(err as Error).message}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
  });
}

export class EndpointSliceDiscovery implements NodeDiscovery {
  readonly description: string;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastKey = '';
  private failing = '';
  private lastSkipped = '';

  constructor(
    private readonly service: { namespace: string; name: string },
    private readonly api: KubernetesApi,
    private readonly log: (line: string) => void,
    private readonly intervalMs = 10_000,
  ) {
    this.description = `the EndpointSlices of Service ${service.namespace}/${service.name}`;
  }

  /** One listing: the serving endpoints, or a rejection naming the Service and the API server. */
  async list(): Promise<NodeEndpoint[]> {
    const { namespace, name } = this.service;
    const url = `${this.api.server}/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${name}`)}`;
    // Read every time: projected service-account tokens are rotated on disk.
    const token = readFile(this.api.tokenFile, 'service-account token').toString('utf8').trim();
    const answer = await getJson(url, token, readFile(this.api.caFile, 'Kubernetes CA')).catch((err: Error) => {
      throw new VigilError('UNAVAILABLE', `list the EndpointSlices of Service ${namespace}/${name} at ${this.api.server}: ${err.message}`, { cause: err });
    });
    const { endpoints, skipped } = endpointsOfSlices(answer);
    // Said when it changes, not at every listing.
    if (skipped.join('\n') !== this.lastSkipped) for (const why of skipped) this.log(`Service ${namespace}/${name}: skipped ${why}`);
    this.lastSkipped = skipped.join('\n');
    return endpoints;
  }

  start(listener: NodesListener): void {
    const round = async () => {
      try {
        const nodes = await this.list();
        if (this.failing) this.log(`listing ${this.description} works again`);
        this.failing = '';
        const key = nodes.map((n) => n.address).join(',');
        if (!this.stopped && key !== this.lastKey) {
          this.lastKey = key;
          listener(nodes);
        }
      } catch (err) {
        const message = (err as Error).message;
        if (message !== this.failing) this.log(`${message}; following the nodes known before`);
        this.failing = message;
      }
      if (!this.stopped) this.timer = setTimeout(() => void round(), this.intervalMs);
    };
    void round();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
