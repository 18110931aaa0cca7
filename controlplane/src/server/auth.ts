/**
 * Who is calling, and what they may do. A caller proves who they are with
 * a bearer token or a client certificate; what they may do follows from
 * the role of that credential:
 *  - admin: the token in the data directory (0600), for the node's own
 *    tools; everything.
 *  - sensor: writes the events of one node, the one its credential names
 *    (a token from `vigil token create --node`, or a certificate whose CN
 *    is the node name and O is vigil-sensor).
 *  - reader: reads alerts, events and status (O=vigil-reader).
 *  - audit: posts Kubernetes audit events to the webhook (O=vigil-audit).
 * Insecure mode is only ever what the user asked for, and makes everyone admin.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { VigilError } from '../../../proto/errors';
import type { CredentialsRepo, IssuedRole } from '../store/credentials-repo';

export type Role = 'admin' | IssuedRole;

export interface Identity {
  role: Role;
  /** The node (sensor), or the label the credential was issued under. */
  name: string;
}

/** The part of a TLS peer certificate roles are read from. */
export interface PeerCertificate {
  subject?: { CN?: string | string[]; O?: string | string[] };
}

/** What an authenticator may look at: any gRPC server call has these. */
export interface CallCredentials {
  metadata: grpc.Metadata;
  getAuthContext(): { transportSecurityType?: string; sslPeerCertificate?: unknown };
}

const CERT_ROLES: Record<string, IssuedRole> = { 'vigil-sensor': 'sensor', 'vigil-reader': 'reader', 'vigil-audit': 'audit' };

const first = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));

export interface AuthenticatorOptions {
  /** The data directory's token; undefined only with `insecure`. */
  adminToken?: string;
  credentials?: CredentialsRepo;
  insecure?: boolean;
}

export class Authenticator {
  private readonly admin: Buffer | undefined;

  constructor(private readonly o: AuthenticatorOptions) {
    this.admin = o.adminToken === undefined ? undefined : Buffer.from(o.adminToken);
  }

  /**
   * The identity behind a bearer token or a (CA-verified) client
   * certificate; undefined when neither proves one. A certificate without
   * a Vigil role proves nothing.
   */
  identify(bearer: string | undefined, cert: PeerCertificate | undefined): Identity | undefined {
    if (this.o.insecure) return { role: 'admin', name: 'insecure' };
    if (cert?.subject) {
      const role = CERT_ROLES[first(cert.subject.O)];
      const name = first(cert.subject.CN);
      if (role && name) return { role, name };
    }
    if (!bearer) return undefined;
    const given = Buffer.from(bearer);
    if (this.admin && given.length === this.admin.length && crypto.timingSafeEqual(given, this.admin)) return { role: 'admin', name: 'admin' };
    const c = this.o.credentials?.find(bearer);
    return c ? { role: c.role, name: c.name } : undefined;
  }

  /** The identity of a gRPC call: its `authorization: Bearer` metadata or its TLS client certificate. */
  call(call: CallCredentials): Identity | undefined {
    const tls = call.getAuthContext();
    const cert = tls.transportSecurityType === 'ssl' ? (tls.sslPeerCertificate as PeerCertificate | undefined) : undefined;
    const header = call.metadata.get('authorization')[0];
    return this.identify(typeof header === 'string' ? bearerOf(header) : undefined, cert);
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerOf(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/.exec(header ?? '');
  return m ? m[1] : undefined;
}

/** Whether `who` may act as one of `roles` (admin may do everything). */
export function permitted(who: Identity, ...roles: Role[]): boolean {
  return who.role === 'admin' || roles.includes(who.role);
}

export const UNAUTHENTICATED: Partial<grpc.StatusObject> = {
  code: grpc.status.UNAUTHENTICATED,
  details: 'missing or invalid credentials: send "authorization: Bearer <token>" (see the token file, or vigil token create) or use mutual TLS',
};

export function permissionDenied(who: Identity, what: string): Partial<grpc.StatusObject> {
  return { code: grpc.status.PERMISSION_DENIED, details: `a ${who.role} credential (${who.name}) cannot ${what}` };
}

/** The caller, when it may `what` as one of `roles`; otherwise the status to refuse it with. */
export function authorize(auth: Authenticator, call: CallCredentials, what: string, ...roles: Role[]): { who: Identity } | { refusal: Partial<grpc.StatusObject> } {
  const who = auth.call(call);
  if (!who) return { refusal: UNAUTHENTICATED };
  return permitted(who, ...roles) ? { who } : { refusal: permissionDenied(who, what) };
}

/**
 * The token in `file`, or a new random one written there (0600) when the
 * file does not exist yet.
 */
export function loadOrCreateToken(file: string): string {
  try {
    const token = fs.readFileSync(file, 'utf8').trim();
    if (token.length < 16) throw new VigilError('INVALID_ARGUMENT', `token file ${file} holds fewer than 16 characters; delete it to have a new token generated`);
    return token;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (err instanceof VigilError) throw err;
      throw new VigilError('INVALID_ARGUMENT', `read token file ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  const token = crypto.randomBytes(32).toString('hex');
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return token;
}
