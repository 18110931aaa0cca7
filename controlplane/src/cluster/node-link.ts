/**
 * How the cluster view reaches a node control plane: a reader credential
 * (a bearer token, re-read at every connection so a rotated Secret is
 * picked up, or a client certificate) over TLS, or nothing at all when the
 * user said --node-insecure. A token is never sent in clear to anything but
 * loopback or a unix socket.
 */
import * as grpc from '@grpc/grpc-js';
import { VigilError } from '../../../proto/errors';
import { callMetadata, channelCredentials, readTokenFile, type ControlPlaneAddress } from '../../../proto/client-connection';
import { isLoopback, parseHostPort } from '../../../proto/host-port';

export interface NodeLinkOptions {
  tokenFile?: string;
  tls?: { ca?: string; cert?: string; key?: string };
  insecure?: boolean;
  /**
   * The name node certificates are checked against, instead of the address
   * dialled: discovered nodes are dialled at pod addresses, which change
   * with every restart, while their certificate names their Service.
   */
  serverName?: string;
}

export interface NodeLink {
  credentials: grpc.ChannelCredentials;
  channelOptions: grpc.ChannelOptions;
  /** The call metadata for the node at `address`; throws when the credential cannot go there. */
  metadata(address: string): grpc.Metadata;
}

function local(address: string): boolean {
  return address.startsWith('unix:') || isLoopback(parseHostPort(address).host);
}

export function nodeLink(o: NodeLinkOptions): NodeLink {
  if (o.tls && (o.tls.cert === undefined) !== (o.tls.key === undefined)) throw new VigilError('INVALID_ARGUMENT', '--node-tls-cert and --node-tls-key go together: give both, or neither');
  if (!o.insecure && !o.tokenFile && !o.tls?.cert)
    throw new VigilError('INVALID_ARGUMENT', 'say how the cluster view proves itself to the nodes: --node-token-file (a reader token) or --node-tls-cert/--node-tls-key (a reader certificate), or --node-insecure');
  if (o.tokenFile) readTokenFile(o.tokenFile); // fail at start, not at the first node
  const address: ControlPlaneAddress = { target: '', tls: !o.insecure && (o.tls?.ca || o.tls?.cert) ? o.tls : undefined };
  const credentials = channelCredentials(address);
  return {
    credentials,
    channelOptions: address.tls && o.serverName ? { 'grpc.ssl_target_name_override': o.serverName } : {},
    metadata(target) {
      if (!o.tokenFile || o.insecure) return new grpc.Metadata();
      if (!address.tls && !local(target))
        throw new VigilError('INVALID_ARGUMENT', `refusing to send the node token to ${target} in clear: give --node-tls-ca (the nodes listen with TLS), or --node-insecure`);
      return callMetadata({ ...address, target, token: readTokenFile(o.tokenFile) });
    },
  };
}
