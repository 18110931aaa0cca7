/**
 * Events encoded for the wire, each once. An exec carries its ancestry,
 * most of its bytes, and the same ancestors ride on exec after exec: the
 * process tree hands out one object per ancestor, encoded here once and
 * kept while that object lives. Protobuf lets a message be written in
 * parts (repeated fields append), so an event is its own fields followed by
 * its ancestors' ready-made bytes.
 */
import * as protobuf from 'protobufjs';
import type { Event } from '../../proto/generated/vigil/v1/Event';
import type { ProcessNode } from '../../proto/generated/vigil/v1/ProcessNode';
import type { Gap } from '../../proto/generated/vigil/v1/Gap';
import { eventCodec, messageType, sensorMessageEncodedCodec } from '../../proto/loader';

const ancestryField = messageType('vigil.v1.Event').fields.ancestry.id;
const processNode = messageType('vigil.v1.ProcessNode');
const encodedAncestors = new WeakMap<ProcessNode, Uint8Array>();

/** One ancestry entry as it sits in an encoded Event: its field tag, its length, the ProcessNode. */
function ancestorBytes(node: ProcessNode): Uint8Array {
  let bytes = encodedAncestors.get(node);
  if (!bytes) {
    bytes = protobuf.Writer.create().uint32((ancestryField << 3) | 2).bytes(processNode.encode(processNode.fromObject(node)).finish()).finish();
    encodedAncestors.set(node, bytes);
  }
  return bytes;
}

export function encodeEvent(ev: Event): Uint8Array {
  const ancestry = ev.ancestry;
  if (!ancestry?.length) return eventCodec().encode(ev);
  return Buffer.concat([eventCodec().encode({ ...ev, ancestry: [] }), ...ancestry.map(ancestorBytes)]);
}

/** A SensorMessage holding one batch, its events encoded by encodeEvent. */
export function encodeBatchMessage(nodeName: string, seq: bigint, events: readonly Event[], gap: Gap | null): Buffer {
  return Buffer.from(sensorMessageEncodedCodec().encode({ batch: { node_name: nodeName, seq: String(seq), events: events.map(encodeEvent), gap } }));
}
