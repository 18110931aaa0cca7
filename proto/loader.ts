/**
 * The one set of proto-loader options. The type generator (npm run
 * build:proto) is given the same flags, and a unit test holds them equal, so
 * the generated types describe exactly the objects the loader produces.
 */
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import './fast-long';
import type { FlatWriter } from './flat-writer';
import { PlainCodecs } from './plain-codec';
import { sharedRepeats } from './repeat-decode';
import type { Event, Event__Output } from './generated/vigil/v1/Event';
import type { SensorMessageEncoded, SensorMessageEncoded__Output } from './generated/vigil/v1/SensorMessageEncoded';
import type { SensorMessage, SensorMessage__Output } from './generated/vigil/v1/SensorMessage';
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

let root: protobuf.Root | undefined;

/** The same .proto files, for coding single messages outside a gRPC call. */
function protoRoot(): protobuf.Root {
  if (!root) {
    root = new protobuf.Root();
    root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_ROOT, target));
    root.loadSync(PROTO_FILES, { keepCase: true }).resolveAll();
  }
  return root;
}

/** The parts of an event that repeat from event to event, decoded once for all the events that carry the same bytes. */
const REPEATING = new Set(['Process', 'Container', 'ProcessNode', 'Exec', 'ExecutedFile', 'Namespaces', 'SocketAddress'].map((name) => `.vigil.v1.${name}`));

let plainCodecs: PlainCodecs | undefined;

function codecs(): PlainCodecs {
  plainCodecs ??= new PlainCodecs(sharedRepeats(REPEATING));
  return plainCodecs;
}

/** Writes a plain object's fields as one message of `type` (from messageType) into a FlatWriter, as the codecs below encode it, leaving out the fields in `omit`. */
export function messageWriter(type: protobuf.Type, omit: readonly string[] = []): (message: object, w: FlatWriter) => void {
  return codecs().writer(type, omit);
}

/** A message type of the contract, for code that walks messages by their declared fields. */
export function messageType(name: string): protobuf.Type {
  return protoRoot().lookupType(name);
}

export interface MessageCodec<In, Out> {
  encode(message: In): Uint8Array;
  /** Throws on bytes that are not this message. */
  decode(bytes: Uint8Array): Out;
}

/** Decodes to exactly the objects the gRPC loader produces (same options), so the generated types hold. */
function messageCodec<In, Out>(name: string): MessageCodec<In, Out> {
  const type = protoRoot().lookupType(name);
  return {
    encode: codecs().encoder(type) as (message: In) => Uint8Array,
    decode: codecs().decoder(type) as (bytes: Uint8Array) => Out,
  };
}

let events: MessageCodec<Event, Event__Output> | undefined;
let sensorMessages: MessageCodec<SensorMessage, SensorMessage__Output> | undefined;
let sensorMessagesEncoded: MessageCodec<SensorMessageEncoded, SensorMessageEncoded__Output> | undefined;

/** A sensor's message with its batch's events already encoded: the same bytes as a SensorMessage. */
export function sensorMessageEncodedCodec(): MessageCodec<SensorMessageEncoded, SensorMessageEncoded__Output> {
  sensorMessagesEncoded ??= messageCodec('vigil.v1.SensorMessageEncoded');
  return sensorMessagesEncoded;
}

/** A sensor's message, encoded once: the outbox logs the bytes it later sends. */
export function sensorMessageCodec(): MessageCodec<SensorMessage, SensorMessage__Output> {
  sensorMessages ??= messageCodec('vigil.v1.SensorMessage');
  return sensorMessages;
}

/** SensorService as the sensor calls it: messages go out as the bytes sensorMessageCodec() made. */
export function sensorServiceSendingEncoded(): grpc.ServiceClientConstructor {
  const service = loadVigilProtos().vigil.v1.SensorService.service;
  return grpc.makeGenericClientConstructor({ ...service, StreamEvents: { ...service.StreamEvents, requestSerialize: (bytes: Buffer) => bytes } }, 'SensorService');
}

/** One Event on its own: how the store keeps events. */
export function eventCodec(): MessageCodec<Event, Event__Output> {
  events ??= messageCodec('vigil.v1.Event');
  return events;
}

/** A message of the sensor stream that is not a SensorMessage, with why. */
export interface UndecodableMessage {
  undecodable: string;
}

/**
 * SensorService as the control plane serves it: the stream's messages are
 * read as SensorMessageEncoded, so each event of a batch arrives as the bytes
 * the sensor encoded. Bytes that are no message at all arrive as an
 * UndecodableMessage, so the service refuses them with the reason rather
 * than grpc answering with an internal error.
 */
export function sensorServiceReadingEncodedEvents(): grpc.ServiceDefinition {
  const service = loadVigilProtos().vigil.v1.SensorService.service;
  const request = messageCodec<never, SensorMessageEncoded__Output>('vigil.v1.SensorMessageEncoded');
  const requestDeserialize = (bytes: Buffer): SensorMessageEncoded__Output | UndecodableMessage => {
    try {
      return request.decode(bytes);
    } catch (err) {
      return { undecodable: (err as Error).message };
    }
  };
  return { ...service, StreamEvents: { ...service.StreamEvents, requestDeserialize } };
}
