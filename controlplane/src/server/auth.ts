/**
 * Who may call. With mutual TLS the transport already proved the caller;
 * otherwise each call must carry `authorization: Bearer <token>`. Insecure
 * mode is only ever what the user asked for.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { VigilError } from '../../../proto/errors';

/** What an authenticator may look at: any server call has these. */
export interface CallCredentials {
  metadata: grpc.Metadata;
  getAuthContext(): { transportSecurityType?: string; sslPeerCertificate?: unknown };
}

export type Authenticator = (call: CallCredentials) => boolean;

/**
 * A caller is in when it presents the token, or when it came over TLS with a
 * client certificate (the server only accepts certificates its CA signed).
 */
export function tokenOrClientCert(token: string): Authenticator {
  const expected = Buffer.from(`Bearer ${token}`);
  return (call) => {
    const tls = call.getAuthContext();
    if (tls.transportSecurityType === 'ssl' && tls.sslPeerCertificate) return true;
    const got = call.metadata.get('authorization')[0];
    if (typeof got !== 'string') return false;
    const given = Buffer.from(got);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  };
}

export const allowAll: Authenticator = () => true;

export const UNAUTHENTICATED: Partial<grpc.StatusObject> = {
  code: grpc.status.UNAUTHENTICATED,
  details: 'missing or invalid credentials: send "authorization: Bearer <token>" (see the token file) or use mutual TLS',
};

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
