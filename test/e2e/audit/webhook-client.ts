/** Posting to a control plane's audit webhook over real HTTPS, as the API server does. */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as grpc from '@grpc/grpc-js';
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import { metadataWith, queryClient } from '../../helpers/grpc-clients';
import type { TestControlPlane } from '../../helpers/controlplane';

export interface Reply {
  status: number;
  body: { error?: string; stored?: number; duplicates?: number; skipped?: number; alerts?: number };
}

export interface PostOptions {
  ca: string;
  token?: string;
  cert?: string;
  key?: string;
  method?: string;
  type?: string;
  path?: string;
}

export function post(port: number, body: string | Buffer, o: PostOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: o.path ?? '/k8s-audit',
        method: o.method ?? 'POST',
        ca: fs.readFileSync(o.ca),
        servername: 'localhost',
        cert: o.cert ? fs.readFileSync(o.cert) : undefined,
        key: o.key ? fs.readFileSync(o.key) : undefined,
        headers: { 'content-type': o.type ?? 'application/json', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const eventList = (...items: unknown[]) => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items });

/** Every stored alert of `ruleId`, newest first, through the QueryService as `vigil alerts` reads them. */
export function listAlerts(cp: TestControlPlane, ruleId: string): Promise<Alert__Output[]> {
  const client = queryClient(cp.target);
  return new Promise<Alert__Output[]>((resolve, reject) =>
    client.ListAlerts({ page_size: 1000, filter: { rule_ids: [ruleId] } }, metadataWith(cp.token), (err: grpc.ServiceError | null, res) => (err ? reject(err) : resolve(res!.alerts))),
  ).finally(() => client.close());
}
