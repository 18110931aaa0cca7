/**
 * The paged lists of QueryService (ListEvents, ListAlerts), asked of a
 * running control plane or cluster view, page after page up to a limit.
 */
import * as grpc from '@grpc/grpc-js';
import type { Alert__Output } from './generated/vigil/v1/Alert';
import type { AlertFilter } from './generated/vigil/v1/AlertFilter';
import type { QueryServiceClient } from './generated/vigil/v1/QueryService';
import { addressFromFlags, callMetadata, channelCredentials, describeGrpcError, type ClientFlags } from './client-connection';
import { VigilError, type VigilErrorCode } from './errors';
import { loadVigilProtos } from './loader';

export interface Page<T> {
  items: T[];
  next: string;
}

/** One page: a call of `query` with this size and token, its answer handed to `done`. */
export type AskPage<T> = (query: QueryServiceClient, md: grpc.Metadata, size: number, token: string, done: (err: grpc.ServiceError | null, page?: Page<T>) => void) => void;

const CODES: Partial<Record<grpc.status, VigilErrorCode>> = { [grpc.status.INVALID_ARGUMENT]: 'INVALID_ARGUMENT', [grpc.status.UNAUTHENTICATED]: 'UNAUTHENTICATED', [grpc.status.PERMISSION_DENIED]: 'PERMISSION_DENIED' };

/** Up to `limit` items, in the server's order, from the control plane the flags name. */
export async function listRemotely<T>(f: ClientFlags, limit: number, ask: AskPage<T>): Promise<T[]> {
  const address = addressFromFlags(f);
  const query = new (loadVigilProtos().vigil.v1.QueryService)(address.target, channelCredentials(address));
  const md = callMetadata(address);
  const out: T[] = [];
  try {
    let token = '';
    do {
      const page = await new Promise<Page<T>>((resolve, reject) =>
        ask(query, md, Math.min(limit - out.length, 10_000), token, (err, p) => (err ? reject(new VigilError(CODES[err.code] ?? 'UNAVAILABLE', describeGrpcError(err, address.target))) : resolve(p!))),
      );
      out.push(...page.items);
      token = page.next;
    } while (token && out.length < limit);
  } finally {
    query.close();
  }
  return out;
}

/** Up to `limit` alerts, newest first. */
export function listAlertsRemotely(f: ClientFlags, filter: AlertFilter, limit: number): Promise<Alert__Output[]> {
  return listRemotely(f, limit, (query, md, size, token, done) =>
    query.ListAlerts({ filter, page_size: size, page_token: token }, md, (err, res) => done(err, res && { items: res.alerts, next: res.next_page_token })),
  );
}
