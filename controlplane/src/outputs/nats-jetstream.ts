/**
 * The NATS JetStream output: alerts to one subject, and optionally each
 * committed batch of a node's events to `<events_subject>.<node>`, each
 * publish awaited until JetStream acknowledges it. Every message carries a
 * Nats-Msg-Id that names what it is (`alert-<node or cluster>-<id>`,
 * `<node>-<batch seq>`), so a chunk sent again after a crash or an outage is
 * stored once by the stream's de-duplication. Creates the stream when it is
 * missing; uses it as it is when it exists.
 */
import * as fs from 'node:fs';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
// Types and helpers come from nats-core: the Node transport re-exports them through a subpath this build's module resolution cannot see.
import { credsAuthenticator, nanos, type NatsConnection } from '@nats-io/nats-core';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import { VigilError } from '../../../proto/errors';
import { duplicateWindowMs, type NatsOutputConfig } from '../config/outputs-config';
import type { Delivery, ExportedBatch, OutputSink } from './export-queue';

/** A publish not acknowledged within this long is tried again (as the same message id). */
const ACK_TIMEOUT_MS = 5000;

export function alertMessageId(a: Alert__Output): string {
  return `alert-${a.node_name}-${a.id}`;
}

export function batchMessageId(b: Pick<ExportedBatch, 'node' | 'seq'>): string {
  return `${b.node}-${b.seq}`;
}

/** Node names may hold dots or characters a subject token cannot; the message body keeps the real name. */
export function nodeSubject(prefix: string, node: string): string {
  return `${prefix}.${node.replace(/[^A-Za-z0-9_-]/g, '_') || '_'}`;
}

/** What the first rejected publish said, and how many before it were acknowledged. */
function delivery(results: PromiseSettledResult<unknown>[], describe: (i: number) => string): Delivery {
  const failed = results.findIndex((r) => r.status === 'rejected');
  if (failed < 0) return { acked: results.length };
  const reason = (results[failed] as PromiseRejectedResult).reason as Error;
  return { acked: failed, error: new VigilError('UNAVAILABLE', `${describe(failed)}: ${reason.message}`, { cause: reason }) };
}

export class JetStreamSink implements OutputSink {
  readonly target: string;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private closed = false;

  constructor(private readonly c: NatsOutputConfig) {
    this.target = `${c.url} stream ${c.stream}`;
  }

  private where(step: string): string {
    return `nats output (${this.c.url}): ${step}`;
  }

  private secret(key: 'credentials_file' | 'token_file', file: string): string {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new VigilError('INVALID_ARGUMENT', this.where(`read outputs.nats.${key} ${file}: ${(err as Error).message}`), { cause: err });
    }
  }

  async connect(): Promise<void> {
    if (this.nc && !this.nc.isClosed()) return;
    const c = this.c;
    const options: NodeConnectionOptions = {
      servers: c.url,
      name: 'vigil-controlplane',
      // The client reconnects on its own and re-sends what it buffered; the queue retries what timed out.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: ACK_TIMEOUT_MS,
    };
    if (c.credentials_file) options.authenticator = credsAuthenticator(new TextEncoder().encode(this.secret('credentials_file', c.credentials_file)));
    if (c.token_file) options.token = this.secret('token_file', c.token_file).trim();
    if (c.ca_file) options.tls = { caFile: c.ca_file };
    else if (c.url.startsWith('tls:')) options.tls = {};
    let nc: NatsConnection;
    try {
      nc = await connect(options);
    } catch (err) {
      throw new VigilError('UNAVAILABLE', this.where(`connect: ${(err as Error).message}`), { cause: err });
    }
    try {
      // Closed while connecting: the output was stopped, and this connection must not outlive it.
      if (this.closed) throw new VigilError('UNAVAILABLE', this.where('stopped while connecting'));
      await this.ensureStream(nc);
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw err;
    }
    this.nc = nc;
    this.js = jetstream(nc, { timeout: ACK_TIMEOUT_MS });
  }

  private async ensureStream(nc: NatsConnection): Promise<void> {
    const c = this.c;
    const jsm = await jetstreamManager(nc, { timeout: ACK_TIMEOUT_MS }).catch((err: Error) => {
      throw new VigilError('UNAVAILABLE', this.where(`JetStream is not enabled on this server or account (${err.message}); start nats-server with -js`), { cause: err });
    });
    try {
      await jsm.streams.info(c.stream);
      return;
    } catch (err) {
      if ((err as Error).name !== 'StreamNotFoundError') throw new VigilError('UNAVAILABLE', this.where(`look up stream ${c.stream}: ${(err as Error).message}`), { cause: err });
    }
    try {
      // Both subjects, whether events are on or not: turning them on later needs no change to the stream.
      await jsm.streams.add({ name: c.stream, subjects: [c.subject, `${c.events_subject}.>`], duplicate_window: nanos(duplicateWindowMs(c)) });
    } catch (err) {
      throw new VigilError('UNAVAILABLE', this.where(`create stream ${c.stream} for ${c.subject} and ${c.events_subject}.>: ${(err as Error).message}`), { cause: err });
    }
  }

  wants(): boolean {
    return true;
  }

  async sendAlerts(alerts: readonly Alert__Output[]): Promise<Delivery> {
    const js = this.js!;
    const results = await Promise.allSettled(alerts.map((a) => js.publish(this.c.subject, JSON.stringify(a), { msgID: alertMessageId(a) })));
    return delivery(results, (i) => this.where(`publish alert ${alerts[i].id} to ${this.c.subject}`));
  }

  async sendBatches(batches: readonly ExportedBatch[]): Promise<Delivery> {
    const js = this.js!;
    const results = await Promise.allSettled(
      batches.map((b) => js.publish(nodeSubject(this.c.events_subject, b.node), JSON.stringify({ node: b.node, seq: String(b.seq), events: b.events }), { msgID: batchMessageId(b) })),
    );
    return delivery(results, (i) => this.where(`publish batch ${batches[i].seq} of ${batches[i].node} to ${nodeSubject(this.c.events_subject, batches[i].node)}`));
  }

  async close(): Promise<void> {
    this.closed = true;
    const nc = this.nc;
    this.nc = undefined;
    this.js = undefined;
    await nc?.close().catch(() => undefined);
  }
}
