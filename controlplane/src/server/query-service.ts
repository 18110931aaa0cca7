/**
 * QueryService: events and alerts from the store, and the status counters.
 * On a cluster view, the events of one of its nodes come from that node.
 */
import * as grpc from '@grpc/grpc-js';
import type { QueryServiceHandlers } from '../../../proto/generated/vigil/v1/QueryService';
import { VigilError } from '../../../proto/errors';
import type { IngestPipeline } from '../ingest/pipeline';
import type { AlertsRepo } from '../store/alerts-repo';
import type { EventsRepo } from '../store/events-repo';
import type { Db } from '../store/db';
import type { ClusterNodeStatus } from '../../../proto/generated/vigil/v1/ClusterNodeStatus';
import type { ListEventsRequest__Output } from '../../../proto/generated/vigil/v1/ListEventsRequest';
import type { ListEventsResponse } from '../../../proto/generated/vigil/v1/ListEventsResponse';
import type { NodeAlertsRepo } from '../store/node-alerts-repo';
import { authorize, type Authenticator } from './auth';
import { fieldLimitProblem } from '../../../proto/field-limits';

const MAX_PAGE = 10_000;

function pageSize(n: number): number {
  if (n > MAX_PAGE) throw new VigilError('INVALID_ARGUMENT', `page_size ${n} is above the limit of ${MAX_PAGE}`);
  return n || 100;
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

const STATUS_OF: Partial<Record<string, grpc.status>> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
};

/** Authenticates, bounds the request's fields, runs `fn`, and maps VigilError codes to gRPC statuses. */
function guarded<Req, Res>(auth: Authenticator, request: string, fn: (req: Req) => Res | Promise<Res>): Unary<Req, Res> {
  return (call, callback) => {
    const caller = authorize(auth, call, 'read events or alerts', 'reader');
    if ('refusal' in caller) return callback(caller.refusal);
    const fail = (err: unknown) => {
      const code = err instanceof VigilError ? STATUS_OF[err.code] : undefined;
      callback({ code: code ?? grpc.status.INTERNAL, details: (err as Error).message });
    };
    try {
      const tooBig = fieldLimitProblem(`vigil.v1.${request}`, call.request);
      if (tooBig) throw new VigilError('INVALID_ARGUMENT', `${request}: ${tooBig}`);
      Promise.resolve(fn(call.request)).then((res) => callback(null, res), fail);
    } catch (err) {
      fail(err);
    }
  };
}

/** What a cluster view adds: its nodes, and their events from them. */
export interface ClusterQueries {
  /** The events of node `name` from the node control plane holding them; undefined when none of its nodes is `name`. */
  listNodeEvents(name: string, req: ListEventsRequest__Output): Promise<ListEventsResponse | undefined>;
  nodes(): ClusterNodeStatus[];
}

export class QueryService {
  constructor(
    private readonly auth: Authenticator,
    private readonly db: Db,
    private readonly events: EventsRepo,
    private readonly alerts: AlertsRepo,
    private readonly pipeline: IngestPipeline,
    private readonly sensorsConnected: () => number,
    private readonly identity: NodeAlertsRepo,
    private readonly cluster?: ClusterQueries,
  ) {}

  private async listEvents(req: ListEventsRequest__Output): Promise<ListEventsResponse> {
    const node = req.filter?.node_name;
    const forwarded = node && this.cluster ? await this.cluster.listNodeEvents(node, req) : undefined;
    if (forwarded) return forwarded;
    const page = this.events.list(req.filter, pageSize(req.page_size), req.page_token);
    return { events: page.events, next_page_token: page.nextPageToken };
  }

  handlers(): QueryServiceHandlers {
    return {
      ListEvents: guarded(this.auth, 'ListEventsRequest', (req) => this.listEvents(req)),
      ListAlerts: guarded(this.auth, 'ListAlertsRequest', (req) => {
        if (req.page_token && !/^\d+$/.test(req.page_token)) throw new VigilError('INVALID_ARGUMENT', `page token "${req.page_token}" is not one this server gave out`);
        const size = pageSize(req.page_size);
        const alerts = this.alerts.list(req.filter, { beforeId: req.page_token ? Number(req.page_token) : undefined, limit: size + 1, order: 'desc' });
        return { alerts: alerts.slice(0, size), next_page_token: alerts.length > size ? alerts[size - 1].id : '' };
      }),
      Status: guarded(this.auth, 'StatusRequest', () => ({
        events_stored: String(this.pipeline.eventsStored),
        events_per_second: this.pipeline.eventsPerSecond(),
        alerts: String(this.alerts.count()),
        events_lost: String(this.pipeline.eventsLost),
        sensors_connected: this.sensorsConnected(),
        db_bytes: String((this.db.pragma('page_count', { simple: true }) as number) * (this.db.pragma('page_size', { simple: true }) as number)),
        store_id: this.identity.storeId(),
        node_names: this.identity.nodeNames(),
        cluster_nodes: this.cluster?.nodes() ?? [],
      })),
    };
  }
}
