/**
 * The Falco-compatible HTTP output: each alert at or above `min_severity`
 * is POSTed as Falco's JSON (see falco-json.ts) to a falcosidekick or
 * anything else that takes Falco's HTTP output. One alert per request, in
 * order; a request that fails or answers other than 2xx stops the chunk
 * there, and the queue tries again from that alert after a growing delay.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import { VigilError } from '../../../proto/errors';
import { SEVERITY_RANK } from '../alerts/alert-filter';
import type { FalcoHttpOutputConfig } from '../config/outputs-config';
import type { Delivery, OutputSink } from './export-queue';
import { toFalcoPayload } from './falco-json';

/** A destination that has not answered within this long is treated as down. */
const REQUEST_TIMEOUT_MS = 10_000;
/** How much of an error response goes into the error message. */
const ERROR_BODY_CHARS = 200;

export class FalcoHttpSink implements OutputSink {
  readonly target: string;
  private readonly url: URL;
  private readonly minRank: number;
  private agent: http.Agent | undefined;
  private authValue: string | undefined;

  constructor(private readonly c: FalcoHttpOutputConfig) {
    this.url = new URL(c.url);
    this.target = `${this.url.origin}${this.url.pathname}`;
    this.minRank = SEVERITY_RANK[`SEVERITY_${c.min_severity.toUpperCase()}`];
  }

  private where(step: string): string {
    return `falco_http output (${this.target}): ${step}`;
  }

  /** Reads the files it needs now, so a rotated secret is picked up by the next retry. */
  async connect(): Promise<void> {
    if (this.agent) return;
    const read = (key: string, file: string) => {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch (err) {
        throw new VigilError('INVALID_ARGUMENT', this.where(`read outputs.falco_http.${key} ${file}: ${(err as Error).message}`), { cause: err });
      }
    };
    this.authValue = this.c.auth_value_file ? read('auth_value_file', this.c.auth_value_file).trim() : undefined;
    const ca = this.c.ca_file ? read('ca_file', this.c.ca_file) : undefined;
    this.agent = this.url.protocol === 'https:' ? new https.Agent({ keepAlive: true, ca }) : new http.Agent({ keepAlive: true });
  }

  wants(alert: Alert__Output): boolean {
    return (SEVERITY_RANK[alert.severity] ?? 0) >= this.minRank;
  }

  async sendAlerts(alerts: readonly Alert__Output[]): Promise<Delivery> {
    for (let i = 0; i < alerts.length; i++) {
      try {
        await this.post(JSON.stringify(toFalcoPayload(alerts[i])));
      } catch (err) {
        // A failed connection may have left the agent's sockets unusable; the next round builds a new one.
        this.dropAgent();
        return { acked: i, error: new VigilError('UNAVAILABLE', this.where(`POST alert ${alerts[i].id}: ${(err as Error).message}`), { cause: err }) };
      }
    }
    return { acked: alerts.length };
  }

  private post(body: string): Promise<void> {
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (this.c.auth_header && this.authValue !== undefined) headers[this.c.auth_header] = this.authValue;
    const request = this.url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = request(this.url, { method: 'POST', headers, agent: this.agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (text.length < ERROR_BODY_CHARS) text += d;
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`HTTP ${status}${text ? `: ${text.slice(0, ERROR_BODY_CHARS).trim()}` : ''}`));
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  private dropAgent(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  async close(): Promise<void> {
    this.dropAgent();
  }
}
