/**
 * Reaching a node's container runtime over the CRI (runtime.v1), for every
 * part that does: the sensor describes containers, `vigil simulate` starts
 * one, the tests drive containerd as kubelet would.
 */
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS, PROTO_ROOT } from './loader';
import type { ProtoGrpcType } from './generated/api';
import type { RuntimeServiceClient } from './generated/runtime/v1/RuntimeService';

export const CRI_SOCKETS = [
  '/run/containerd/containerd.sock',
  '/var/run/containerd/containerd.sock',
  '/run/k3s/containerd/containerd.sock',
  '/run/crio/crio.sock',
  '/var/run/crio/crio.sock',
];

/** The first CRI socket that exists, or undefined. */
export function findCriSocket(candidates: readonly string[] = CRI_SOCKETS): string | undefined {
  return candidates.find((p) => {
    try {
      return fs.statSync(p).isSocket();
    } catch {
      return false;
    }
  });
}

export function criRuntimeClient(socket: string): RuntimeServiceClient {
  const def = protoLoader.loadSync('cri/runtime/v1/api.proto', { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
  const { RuntimeService } = (grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType).runtime.v1;
  // A runtime restarts on upgrades: reconnect within a second, not after grpc's default of up to two minutes.
  return new RuntimeService(`unix://${socket}`, grpc.credentials.createInsecure(), { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1000 });
}

/**
 * One unary CRI call as a promise, with a deadline. It waits for the
 * runtime to be connected (within the deadline) rather than failing at once
 * while the channel is between reconnects: a runtime that just came back
 * answers the first question asked of it.
 */
export function criCall<Res>(client: RuntimeServiceClient, method: string, req: object, deadlineMs = 10_000): Promise<Res> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, (r: object, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Res) => void) => void>)[method];
    fn.call(client, req, new grpc.Metadata({ waitForReady: true }), { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res!)));
  });
}
