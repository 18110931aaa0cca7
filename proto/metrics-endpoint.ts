/**
 * The HTTP endpoint a long-running vigil command serves with
 * --metrics-listen: Prometheus metrics at /metrics, liveness at /healthz,
 * readiness at /readyz.
 *
 * Each part adds its metrics with counter() and gauge(), whose values are
 * read at scrape time from the counters the part keeps anyway, so nothing is
 * counted twice and a scrape, not an event, pays for them (or any prom-client
 * metric registered in `registry`); and it adds named checks.
 * A check answers undefined when all is well, or the problem in a few words.
 * /metrics takes the bearer token when one is set; the health endpoints
 * never do (kubelet probes carry none) and say only ok or which check
 * failed and why.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { VigilError } from './errors';
import { formatHostPort } from './host-port';

export type HealthCheck = () => string | undefined | Promise<string | undefined>;

type Labels = Record<string, string>;
/** What a metric reads at scrape time: one value, or one per label set. */
export type Samples = number | Iterable<readonly [Labels, number]>;

/** Where the endpoint listens: TCP, or a unix socket (how `vigil up` reads its sensor's). */
export type MetricsAddress = { host: string; port: number } | { socket: string };

export interface MetricsEndpointOptions {
  /** Every metric's name starts with this (vigil_controlplane_, vigil_sensor_), so two processes' metrics never collide. */
  prefix: string;
  /** Bearer token /metrics requires; none: /metrics is open. */
  token?: string;
}

/** A check that does not answer within this long has failed: a probe must not hang on a stuck store. */
const CHECK_TIMEOUT_MS = 5000;

export class MetricsEndpoint {
  readonly registry = new Registry();
  private readonly checks = { live: new Map<string, HealthCheck>(), ready: new Map<string, HealthCheck>() };
  private readonly sources: (() => Promise<string>)[] = [];
  private server: http.Server | undefined;
  private readonly tokenDigest: Buffer | undefined;

  constructor(private readonly o: MetricsEndpointOptions) {
    collectDefaultMetrics({ register: this.registry, prefix: o.prefix });
    this.tokenDigest = o.token === undefined ? undefined : digest(o.token);
  }

  /**
   * A counter read at scrape time from a total the part keeps anyway
   * (`read` must only grow, per label set). Name without the prefix.
   */
  counter(name: string, help: string, labelNames: readonly string[], read: () => Samples): void {
    new Counter({
      name: this.o.prefix + name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        refill(this, read, (labels, value) => this.inc(labels, value));
      },
    });
  }

  /** A value read at scrape time. Name without the prefix. */
  gauge(name: string, help: string, labelNames: readonly string[], read: () => Samples): void {
    new Gauge({
      name: this.o.prefix + name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        refill(this, read, (labels, value) => this.set(labels, value));
      },
    });
  }

  /** A distribution the part observes as things happen (rare things: a store write, a CRI call). Name without the prefix. */
  histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name: this.o.prefix + name, help, labelNames, buckets, registers: [this.registry] });
  }

  /** Liveness checks run on /healthz; readiness checks run on /readyz after them (what is not alive is not ready either). */
  addCheck(kind: 'live' | 'ready', name: string, check: HealthCheck): void {
    this.checks[kind].set(name, check);
  }

  /** Exposition text from elsewhere (another process's /metrics), served after this registry's. */
  addSource(source: () => Promise<string>): void {
    this.sources.push(source);
  }

  /** The failed checks, as "name: problem" lines; empty when all passed. */
  private async problems(kind: 'live' | 'ready'): Promise<string[]> {
    const checks = kind === 'live' ? [...this.checks.live] : [...this.checks.live, ...this.checks.ready];
    const answers = await Promise.all(checks.map(([name, check]) => runCheck(name, check)));
    return answers.filter((a): a is string => a !== undefined);
  }

  async listen(at: MetricsAddress): Promise<MetricsAddress> {
    const server = http.createServer((req, res) => void this.answer(req, res));
    if ('socket' in at) removeStaleSocket(at.socket);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new VigilError('UNAVAILABLE', `metrics endpoint: listen on ${describeAddress(at)}: ${err.message}`, { cause: err })));
      if ('socket' in at) server.listen(at.socket, resolve);
      else server.listen(at.port, at.host, resolve);
    });
    this.server = server;
    if ('socket' in at) {
      fs.chmodSync(at.socket, 0o600);
      return at;
    }
    return { host: at.host, port: (server.address() as { port: number }).port };
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, `${req.method} not allowed: GET /metrics, /healthz or /readyz\n`);
    const route = (req.url ?? '').split('?')[0];
    try {
      if (route === '/healthz' || route === '/readyz') {
        const problems = await this.problems(route === '/healthz' ? 'live' : 'ready');
        return problems.length ? reply(503, `${problems.join('\n')}\n`) : reply(200, 'ok\n');
      }
      if (route !== '/metrics') return reply(404, `no ${route}: GET /metrics, /healthz or /readyz\n`);
      if (!this.authorized(req.headers.authorization)) {
        res.setHeader('www-authenticate', 'Bearer');
        return reply(401, 'metrics need the bearer token of --metrics-token-file\n');
      }
      const texts = [await this.registry.metrics(), ...(await Promise.all(this.sources.map((s) => s())))];
      reply(200, texts.join(''), this.registry.contentType);
    } catch (err) {
      reply(500, `${route}: ${(err as Error).message}\n`);
    }
  }

  private authorized(header: string | undefined): boolean {
    if (!this.tokenDigest) return true;
    const m = /^Bearer (.+)$/.exec(header ?? '');
    return m !== null && timingSafeEqual(digest(m[1]), this.tokenDigest);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Replaces what a metric holds with what `read` says now: totals the part keeps are the truth, not increments. */
function refill(metric: { reset(): void }, read: () => Samples, put: (labels: Labels, value: number) => void): void {
  metric.reset();
  for (const [labels, value] of samplesOf(read())) put(labels, value);
}

function samplesOf(samples: Samples): Iterable<readonly [Labels, number]> {
  return typeof samples === 'number' ? [[{}, samples]] : samples;
}

/** A socket left by a process that died; anything else at that path is the user's mistake, not ours to delete. */
function removeStaleSocket(socket: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(socket);
  } catch {
    return; // nothing there
  }
  if (!stat.isSocket()) throw new VigilError('INVALID_ARGUMENT', `metrics endpoint: ${socket} exists and is not a socket; give --metrics-listen another path`);
  fs.rmSync(socket);
}

/** Equal-length digests, so comparing them takes the same time whatever the token sent. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

async function runCheck(name: string, check: HealthCheck): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS)));
  try {
    const problem = await Promise.race([Promise.resolve().then(check), late]);
    return problem === undefined ? undefined : `${name}: ${problem}`;
  } catch (err) {
    return `${name}: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

export function describeAddress(at: MetricsAddress): string {
  return 'socket' in at ? `unix://${at.socket}` : formatHostPort(at.host, at.port);
}

/** Reads another vigil process's endpoint over its unix socket, on a new connection each time: a kept one would outlive a restarted process. */
export function fetchFromSocket(socket: string, route: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: socket, path: route, timeout: CHECK_TIMEOUT_MS, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)));
    req.on('error', reject);
  });
}
