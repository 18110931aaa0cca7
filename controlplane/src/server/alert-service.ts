/**
 * AlertService.Subscribe: backfill from the store after the client's cursor,
 * then live alerts, in id order, each exactly once. A client that cannot keep
 * up is cut off with RESOURCE_EXHAUSTED naming where to resume, instead of
 * ingest waiting for it.
 */
import * as grpc from '@grpc/grpc-js';
import type { Alert, Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import type { AlertServiceHandlers } from '../../../proto/generated/vigil/v1/AlertService';
import type { SubscribeRequest__Output } from '../../../proto/generated/vigil/v1/SubscribeRequest';
import { alertMatches, checkAlertFilter } from '../alerts/alert-filter';
import type { AlertStream } from '../alerts/alert-stream';
import type { AlertsRepo } from '../store/alerts-repo';
import { authorize, type Authenticator } from './auth';
import { fieldLimitProblem } from '../../../proto/field-limits';

const BACKFILL_PAGE = 500;

export class AlertService {
  constructor(
    private readonly auth: Authenticator,
    private readonly repo: AlertsRepo,
    private readonly stream: AlertStream,
    /** Alerts a subscriber may have queued before it is cut off. */
    private readonly maxBuffered = 1000,
  ) {}

  handlers(): AlertServiceHandlers {
    return { Subscribe: (call) => this.subscribe(call) };
  }

  private subscribe(call: grpc.ServerWritableStream<SubscribeRequest__Output, Alert>): void {
    const caller = authorize(this.auth, call, 'read alerts', 'reader');
    if ('refusal' in caller) {
      call.emit('error', caller.refusal);
      return;
    }
    const { filter } = call.request;
    try {
      const tooBig = fieldLimitProblem('vigil.v1.SubscribeRequest', call.request);
      if (tooBig) throw new Error(`SubscribeRequest: ${tooBig}`);
      checkAlertFilter(filter);
    } catch (err) {
      call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message });
      return;
    }
    if (!/^\d{1,20}$/.test(call.request.after_id)) {
      call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: `after_id "${call.request.after_id}" is not an alert id` });
      return;
    }
    let last = Number(call.request.after_id);
    let done = false;
    let backfilling = true;
    const held: Alert__Output[] = [];

    const send = (alert: Alert__Output): void => {
      if (done || Number(alert.id) <= last) return;
      if (call.writableLength >= this.maxBuffered) {
        finish();
        call.emit('error', {
          code: grpc.status.RESOURCE_EXHAUSTED,
          details: `subscriber too slow: ${call.writableLength} alerts waiting; resubscribe with after_id=${last}`,
        });
        return;
      }
      last = Number(alert.id);
      call.write(alert);
    };
    // Live alerts are held while the backfill runs, so none falls between
    // the last stored page and the first live one.
    const unsubscribe = this.stream.subscribe((alert) => {
      if (!alertMatches(alert, filter)) return;
      if (backfilling) held.push(alert);
      else send(alert);
    });
    const finish = () => {
      done = true;
      unsubscribe();
    };
    call.on('cancelled', finish);
    call.on('close', finish);
    call.on('error', finish);

    for (;;) {
      const page = this.repo.list(filter, { afterId: last, limit: BACKFILL_PAGE, order: 'asc' });
      for (const alert of page) send(alert);
      if (page.length < BACKFILL_PAGE || done) break;
    }
    backfilling = false;
    for (const alert of held) send(alert);
  }
}
