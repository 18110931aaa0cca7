/** QueryService: events and alerts from the store, and the status counters. */
import * as grpc from '@grpc/grpc-js';
import type { QueryServiceHandlers } from '../../../proto/generated/vigil/v1/QueryService';
import { VigilError } from '../../../proto/errors';
import type { IngestPipeline } from '../ingest/pipeline';
import type { AlertsRepo } from '../store/alerts-repo';
import type { EventsRepo } from '../store/events-repo';
import type { Db } from '../store/db';
import { authorize, type Authenticator } from './auth';
import { fieldLimitProblem } from '../../../proto/field-limits';

const MAX_PAGE = 10_000;

function pageSize(n: number): number {
  if (n > MAX_PAGE) throw new VigilError('INVALID_ARGUMENT', `page_size ${n} is above the limit of ${MAX_PAGE}`);
  return n || 100;
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

/** Authenticates, bounds the request's fields, runs `fn`, and maps VigilError codes to gRPC statuses. */
function guarded<Req, Res>(auth: Authenticator, request: string, fn: (req: Req) => Res): Unary<Req, Res> {
  return (call, callback) => {
    const caller = authorize(auth, call, 'read events or alerts', 'reader');
    if ('refusal' in caller) return callback(caller.refusal);
    try {
      const tooBig = fieldLimitProblem(`vigil.v1.${request}`, call.request);
      if (tooBig) throw new VigilError('INVALID_ARGUMENT', `${request}: ${tooBig}`);
      callback(null, fn(call.request));
    } catch (err) {
      const invalid = err instanceof VigilError && err.code === 'INVALID_ARGUMENT';
      callback({ code: invalid ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL, details: (err as Error).message });
    }
  };
}

export class QueryService {
  constructor(
    private readonly auth: Authenticator,
    private readonly db: Db,
    private readonly events: EventsRepo,
    private readonly alerts: AlertsRepo,
    private readonly pipeline: IngestPipeline,
    private readonly sensorsConnected: () => number,
  ) {}

  handlers(): QueryServiceHandlers {
    return {
      ListEvents: guarded(this.auth, 'ListEventsRequest', (req) => {
        const page = this.events.list(req.filter, pageSize(req.page_size), req.page_token);
        return { events: page.events, next_page_token: page.nextPageToken };
      }),
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
      })),
    };
  }
}
