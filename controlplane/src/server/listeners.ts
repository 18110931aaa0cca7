/**
 * Where the gRPC server listens, and with which transport security. A unix
 * socket in the data directory by default; TCP when asked, where anything
 * but loopback needs TLS unless the user said --insecure.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { VigilError } from '../../../proto/errors';
import { readNamedFile } from '../../../proto/read-file';

export interface TlsFiles {
  cert: string;
  key: string;
  /**
   * CA that signs client certificates; with it, every TCP client must
   * present one (grpc cannot ask for a certificate without requiring it and
   * still tell a verified one apart): tokens then serve the unix socket.
   */
  ca?: string;
}

function readPem(file: string, what: string): Buffer {
  return readNamedFile(file, `TLS ${what}`);
}

export function tlsCredentials(tls: TlsFiles): grpc.ServerCredentials {
  const ca = tls.ca ? readPem(tls.ca, 'CA') : null;
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: readPem(tls.cert, 'certificate'), private_key: readPem(tls.key, 'key') }], ca !== null);
}

/** Fails when another control plane answers on `socketPath`; removes a stale socket file. */
export async function claimSocket(socketPath: string): Promise<void> {
  if (!fs.existsSync(socketPath)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive) throw new VigilError('ALREADY_RUNNING', `a control plane is already running on ${socketPath}; stop it, or give this one another --data-dir`);
  fs.unlinkSync(socketPath);
}

export function bind(server: grpc.Server, address: string, creds: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(address, creds, (err, port) =>
      err ? reject(new VigilError('UNAVAILABLE', `listen on ${address}: ${err.message}`, { cause: err })) : resolve(port),
    ),
  );
}
