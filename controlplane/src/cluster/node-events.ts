/**
 * `ListEvents` for one node, answered by the node control plane that holds
 * its events: the events never leave the node's store except as the page
 * asked for. The page token is the node's, passed through both ways.
 */
import * as grpc from '@grpc/grpc-js';
import type { ListEventsRequest__Output } from '../../../proto/generated/vigil/v1/ListEventsRequest';
import type { ListEventsResponse__Output } from '../../../proto/generated/vigil/v1/ListEventsResponse';
import { describeGrpcError } from '../../../proto/client-connection';
import { VigilError } from '../../../proto/errors';
import type { NodeLink } from './node-link';
import type { NodeSubscription } from './node-subscription';

const DEADLINE_MS = 30_000;

export function listNodeEvents(name: string, holder: NodeSubscription, link: NodeLink, req: ListEventsRequest__Output): Promise<ListEventsResponse__Output> {
  return new Promise((resolve, reject) => {
    let md: grpc.Metadata;
    try {
      md = link.metadata(holder.address);
    } catch (err) {
      return reject(err);
    }
    holder.query.ListEvents(req, md, { deadline: Date.now() + DEADLINE_MS }, (err, res) => {
      if (!err) return resolve(res!);
      // The caller can fix a bad request; the rest is between this cluster view and the node.
      const code = err.code === grpc.status.INVALID_ARGUMENT ? 'INVALID_ARGUMENT' : 'UNAVAILABLE';
      reject(new VigilError(code, `events of node ${name}, held by its control plane at ${holder.address}: ${describeGrpcError(err, holder.address)}`, { cause: err }));
    });
  });
}
