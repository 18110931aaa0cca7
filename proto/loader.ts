/**
 * The one set of proto-loader options. The type generator (npm run
 * build:proto) is given the same flags, and a unit test holds them equal, so
 * the generated types describe exactly the objects the loader produces.
 */
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as SensorGrpc } from './generated/sensor';
import type { ProtoGrpcType as AlertGrpc } from './generated/alert';
import type { ProtoGrpcType as QueryGrpc } from './generated/query';

export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** proto/ in the source tree, also when running from dist/proto. */
export const PROTO_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../proto' : '.');

export const PROTO_FILES = ['vigil/v1/event.proto', 'vigil/v1/audit.proto', 'vigil/v1/sensor.proto', 'vigil/v1/alert.proto', 'vigil/v1/query.proto'];

export type VigilGrpc = SensorGrpc & AlertGrpc & QueryGrpc;

let loaded: VigilGrpc | undefined;

export function loadVigilProtos(): VigilGrpc {
  loaded ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(PROTO_FILES, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] }),
  ) as unknown as VigilGrpc;
  return loaded;
}
