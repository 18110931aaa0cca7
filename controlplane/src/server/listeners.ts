/**
 * Where the gRPC server listens, and with which transport security. A unix
 * socket in the data directory by default; TCP when asked, where anything
 * but loopback needs TLS unless the user said --insecure.
 */
import * as fs from 'node:fs';
import type * as http2 from 'node:http2';
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

/**
 * How much a client may send before the server has read it: HTTP/2's
 * receive window, per stream (the connection's is raised to match). Node's
 * default is 64 KiB, a fraction of one sensor batch (up to 1,000 events,
 * 2 MiB of execs with their ancestry). The ingest thread sends no window
 * update while it judges a batch, so with 64 KiB the sensor stalled there
 * and the next batch came in round trips after it: `controlplane_ingest`
 * found the thread waiting about 3 ms of every 14. 8 MiB holds a few
 * batches. It is what one stream can make the server hold unread; a call's
 * messages were bounded before it, by the 64 MiB message limit.
 */
export const RECEIVE_WINDOW_BYTES = 8 * 1024 * 1024;

/** The server options that carry the window, for a grpc-js that reads them on a server (grpc/grpc-node#3058); raiseReceiveWindow() applies it meanwhile. */
export const RECEIVE_WINDOW_OPTIONS = { 'grpc-node.flow_control_window': RECEIVE_WINDOW_BYTES };

const raised = new WeakSet<http2.Http2Server>();

/**
 * Gives every connection `server` accepts from now on the receive window
 * above; bind() calls it once each listener is up, and calling it again
 * changes nothing. grpc-js reads its flow-control option on
 * clients only and keeps its HTTP/2 servers to itself, so they are reached
 * through its private field. False when a grpc-js no longer has it (the
 * window stays at 64 KiB; test/e2e/pipeline/receive-window fails on such an upgrade).
 */
export function raiseReceiveWindow(server: grpc.Server): boolean {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map)) return false;
  for (const h2 of servers.keys() as IterableIterator<http2.Http2Server>) {
    if (raised.has(h2)) continue;
    raised.add(h2);
    h2.updateSettings({ initialWindowSize: RECEIVE_WINDOW_BYTES });
    h2.on('session', (session: http2.ServerHttp2Session) => {
      // A session can be closed before this listener runs; setLocalWindowSize would throw on it.
      if (!session.destroyed) session.setLocalWindowSize(RECEIVE_WINDOW_BYTES);
    });
  }
  return true;
}

/** Listens on `address`; its connections get the receive window above from the start, when this grpc-js lets them (raiseReceiveWindow). */
export function bind(server: grpc.Server, address: string, creds: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(address, creds, (err, port) => {
      if (err) return reject(new VigilError('UNAVAILABLE', `listen on ${address}: ${err.message}`, { cause: err }));
      raiseReceiveWindow(server);
      resolve(port);
    }),
  );
}
