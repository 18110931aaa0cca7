/**
 * The HTTPS endpoint the API server's audit webhook backend posts EventLists
 * to. Callers authenticate with a client certificate signed by the configured
 * CA or with the bearer token. The body is read up to a limit and parsed;
 * its good events are stored in one transaction whatever else it holds, so
 * one bad item never costs the others. A body with items that are not audit
 * events, or have a field of the wrong type, gets a 400 naming each (the
 * API server does not resend a 4xx, and a resend would store nothing twice);
 * the items are kept as gaps. 200 means all of it is committed; 503 only
 * that the store failed, worth a retry.
 */
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { VigilError } from '../../../proto/errors';
import { bearerOf, permitted, type Authenticator, type Identity, type PeerCertificate } from '../server/auth';
import type { AuditIngest } from './audit-ingest';
import { parseAuditPayload } from './parse-audit';

export const WEBHOOK_PATH = '/k8s-audit';
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Problems named in a 400; the rest are counted (all are kept as gaps). */
const MAX_REASONS = 10;

export interface WebhookOptions {
  host: string;
  port: number;
  cert: Buffer;
  key: Buffer;
  /** CA for client certificates; without it, only tokens authenticate. */
  ca?: Buffer;
  /** Who may post: audit credentials (and the admin token). */
  auth: Authenticator;
  maxBodyBytes?: number;
  log: (line: string) => void;
}

function reply(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export class AuditWebhook {
  private readonly server: https.Server;
  private readonly maxBody: number;

  constructor(
    private readonly o: WebhookOptions,
    private readonly ingest: AuditIngest,
  ) {
    this.maxBody = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    // Certificates are checked by hand below so that token callers without
    // one are let through to the token check.
    this.server = https.createServer({ cert: o.cert, key: o.key, ca: o.ca, requestCert: !!o.ca, rejectUnauthorized: false }, (req, res) => this.handle(req, res));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', (err) => reject(new VigilError('UNAVAILABLE', `audit webhook: listen on ${this.o.host}:${this.o.port}: ${err.message}`, { cause: err })));
      this.server.listen(this.o.port, this.o.host, () => resolve((this.server.address() as { port: number }).port));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Who is posting: a client certificate the CA signed, or a bearer token. */
  private caller(req: IncomingMessage): Identity | undefined {
    const socket = req.socket as TLSSocket;
    const cert = this.o.ca && socket.authorized ? (socket.getPeerCertificate() as PeerCertificate) : undefined;
    return this.o.auth.identify(bearerOf(req.headers.authorization), cert);
  }

  private refuse(req: IncomingMessage, res: ServerResponse, status: number, error: string): void {
    this.o.log(`audit webhook: ${req.method} ${req.url} from ${req.socket.remoteAddress}: ${status} ${error}`);
    reply(res, status, { error });
    req.resume();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const who = this.caller(req);
    if (!who) return this.refuse(req, res, 401, 'missing or invalid credentials: use a client certificate or "Authorization: Bearer <token>"');
    if (!permitted(who, 'audit')) return this.refuse(req, res, 403, `a ${who.role} credential (${who.name}) cannot post audit events; make one with vigil token create --audit NAME`);
    if (req.url?.split('?')[0] !== WEBHOOK_PATH) return this.refuse(req, res, 404, `no such endpoint; POST audit EventLists to ${WEBHOOK_PATH}`);
    if (req.method !== 'POST') return this.refuse(req, res, 405, 'only POST is accepted');
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return this.refuse(req, res, 415, 'Content-Type must be application/json');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxBody) return this.refuse(req, res, 413, `body of ${declared} bytes is over the limit of ${this.maxBody}`);

    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > this.maxBody) {
        over = true;
        chunks.length = 0;
      } else if (!over) chunks.push(c);
    });
    req.on('end', () => {
      if (over) return this.refuse(req, res, 413, `body is over the limit of ${this.maxBody} bytes`);
      const parsed = parseAuditPayload(Buffer.concat(chunks).toString('utf8'), 'body', Date.now());
      this.ingest.ingest(parsed, `webhook from ${req.socket.remoteAddress}`).then(
        (result) => {
          if (result.skipped === 0) return reply(res, 200, result);
          const reasons = parsed.problems.map((p) => p.reason);
          const error = `${reasons.slice(0, MAX_REASONS).join('; ')}${reasons.length > MAX_REASONS ? `; and ${reasons.length - MAX_REASONS} more` : ''}; ${result.stored + result.duplicates} other events were stored`;
          this.o.log(`audit webhook: ${req.method} ${req.url} from ${req.socket.remoteAddress}: 400 ${error}`);
          reply(res, 400, { error, ...result });
        },
        (err: Error) => {
          this.o.log(`audit webhook: store failed: ${err.message}`);
          reply(res, 503, { error: `could not store the events: ${err.message}; retry` });
        },
      );
    });
  }
}
