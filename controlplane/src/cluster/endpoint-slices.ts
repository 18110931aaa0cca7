/**
 * The node control planes behind a headless Service, read from its
 * EndpointSlices (discovery.k8s.io/v1) as the API server lists them. Pure:
 * the Kubernetes API call is discovery's job. An endpoint counts while it
 * serves (a terminating pod still serves its alert stream until it goes:
 * taking its last alerts is what we want), its state unknown counting as
 * ready, as the API asks consumers to read it.
 */
import { VigilError } from '../../../proto/errors';
import { formatHostPort } from '../../../proto/host-port';

export interface NodeEndpoint {
  /** HOST:PORT, an IPv6 host in brackets. */
  address: string;
  /** The Kubernetes node the endpoint's pod runs on, when the slice says. */
  nodeName?: string;
}

export interface SliceReading {
  endpoints: NodeEndpoint[];
  /** What was skipped, and why (a slice without ports, an endpoint without addresses). */
  skipped: string[];
}

/** The port a node control plane serves gRPC on is named this in the Service. */
export const GRPC_PORT_NAME = 'grpc';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';

function serving(conditions: unknown): boolean {
  const c = isObject(conditions) ? conditions : {};
  if (isBool(c.serving)) return c.serving;
  return isBool(c.ready) ? c.ready : true;
}

function sliceName(slice: Json, index: number): string {
  const name = isObject(slice.metadata) ? slice.metadata.name : undefined;
  return typeof name === 'string' ? `EndpointSlice ${name}` : `EndpointSlice #${index}`;
}

function portOf(slice: Json): number | undefined {
  const ports = Array.isArray(slice.ports) ? slice.ports.filter(isObject) : [];
  const chosen = ports.find((p) => p.name === GRPC_PORT_NAME) ?? ports[0];
  const port = chosen?.port;
  return typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

/**
 * The serving endpoints of an EndpointSliceList, one address each (the
 * first: the API says an endpoint's addresses are interchangeable), each
 * address and each pod once (the first slice naming it wins), sorted. Throws only when `list` is not a list at all.
 */
export function endpointsOfSlices(list: unknown): SliceReading {
  if (!isObject(list) || !Array.isArray(list.items))
    throw new VigilError('INVALID_ARGUMENT', `not an EndpointSliceList (kind ${isObject(list) ? JSON.stringify(list.kind) : typeof list}): no items`);
  const found = new Map<string, NodeEndpoint>();
  // A pod of a dual-stack Service is in an IPv4 and an IPv6 slice: one store, followed once.
  const pods = new Set<string>();
  const skipped: string[] = [];
  list.items.forEach((slice: unknown, i) => {
    if (!isObject(slice)) return void skipped.push(`item #${i} is not an object`);
    const name = sliceName(slice, i);
    const type = slice.addressType;
    if (type !== 'IPv4' && type !== 'IPv6' && type !== 'FQDN') return void skipped.push(`${name}: address type ${JSON.stringify(type)} is not IPv4, IPv6 or FQDN`);
    const port = portOf(slice);
    if (port === undefined) return void skipped.push(`${name}: no port (named "${GRPC_PORT_NAME}" or any)`);
    const endpoints = Array.isArray(slice.endpoints) ? slice.endpoints : [];
    endpoints.forEach((ep: unknown, j) => {
      if (!isObject(ep) || !serving(ep.conditions)) return;
      const host = Array.isArray(ep.addresses) ? ep.addresses.find((a): a is string => typeof a === 'string' && a.length > 0) : undefined;
      if (!host) return void skipped.push(`${name}: endpoint #${j} has no address`);
      const address = formatHostPort(host, port);
      const pod = isObject(ep.targetRef) && typeof ep.targetRef.uid === 'string' ? ep.targetRef.uid : undefined;
      if (pod !== undefined && pods.has(pod)) return;
      if (pod !== undefined) pods.add(pod);
      if (!found.has(address)) found.set(address, { address, ...(typeof ep.nodeName === 'string' ? { nodeName: ep.nodeName } : {}) });
    });
  });
  return { endpoints: [...found.values()].sort((a, b) => a.address.localeCompare(b.address)), skipped };
}
