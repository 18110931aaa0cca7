/**
 * `vigil simulate --cluster`: posts a synthetic audit event for every cluster
 * rule to the running control plane's audit webhook and reports, rule by
 * rule, whether its alert came back on the alert stream. Touches no cluster.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import { Command } from 'commander';
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import { addressFromFlags, callMetadata, channelCredentials } from '../../../proto/client-connection';
import { VigilError } from '../../../proto/errors';
import { loadVigilProtos } from '../../../proto/loader';
import { simulatedClusterAttacks } from '../audit/audit-event-builder';
import { WEBHOOK_PATH } from '../audit/webhook';
import { addClientOptions, dataDirOption, parseDuration, type ClientOptions } from './options';
import { NODE_ATTACKS, fakeContainerCgroup } from './simulate-node';

interface SimulateFlags extends ClientOptions {
  cluster?: boolean;
  node?: boolean;
  webhook: string;
  webhookCa?: string;
  timeout: number;
  json?: boolean;
}

export interface RuleOutcome {
  rule_id: string;
  alerted: boolean;
  alert_id?: string;
  summary?: string;
}

function post(url: string, body: string, token: string | undefined, ca: Buffer | undefined): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', (err) => reject(new VigilError('UNAVAILABLE', `audit webhook at ${url}: ${err.message}; is the control plane running with --audit-webhook?`)));
    req.end(body);
  });
}

/**
 * Subscribes to the alert stream after the newest stored alert, runs `act`,
 * and waits until every rule in `ruleIds` alerted (as `mine` recognises its
 * alerts) or the timeout passed.
 */
async function watchAlerts(f: SimulateFlags, ruleIds: string[], mine: (a: Alert__Output) => boolean, act: () => Promise<void>): Promise<RuleOutcome[]> {
  const address = addressFromFlags(f);
  const md = callMetadata(address);
  const creds = channelCredentials(address);
  const { AlertService, QueryService } = loadVigilProtos().vigil.v1;
  const query = new QueryService(address.target, creds);
  const newest = await new Promise<string>((resolve, reject) =>
    query.ListAlerts({ page_size: 1 }, md, (err, res) => (err ? reject(new VigilError('UNAVAILABLE', `control plane at ${address.target}: ${err.details}`)) : resolve(res!.alerts[0]?.id ?? '0'))),
  ).finally(() => query.close());
  const alerts = new AlertService(address.target, creds);
  const call = alerts.Subscribe({ after_id: newest, filter: { rule_ids: ruleIds } }, md);
  const seen = new Map<string, Alert__Output>();
  call.on('data', (a: Alert__Output) => {
    if (mine(a)) seen.set(a.rule_id, a);
  });
  call.on('error', () => undefined);
  try {
    await act();
    const deadline = Date.now() + f.timeout;
    while (seen.size < ruleIds.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  } finally {
    call.cancel();
    alerts.close();
  }
  return ruleIds.map((ruleId) => {
    const a = seen.get(ruleId);
    return { rule_id: ruleId, alerted: !!a, alert_id: a?.id, summary: a?.summary };
  });
}

export function simulateCluster(f: SimulateFlags): Promise<RuleOutcome[]> {
  const suffix = randomBytes(4).toString('hex');
  const attacks = simulatedClusterAttacks(suffix);
  const mine = (a: Alert__Output) => a.summary.includes(suffix) || JSON.stringify(a.evidence?.audit ?? {}).includes(suffix);
  return watchAlerts(f, attacks.map((a) => a.ruleId), mine, async () => {
    const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: attacks.map((a) => a.event) });
    const token = addressFromFlags(f).token;
    const ca = f.webhookCa ? fs.readFileSync(f.webhookCa) : undefined;
    const res = await post(`${f.webhook.replace(/\/+$/, '')}${WEBHOOK_PATH}`, body, token, ca);
    if (res.status !== 200) throw new VigilError('UNAVAILABLE', `audit webhook answered ${res.status}: ${res.text}`);
  });
}

/** Runs the node attacks in a fake container; the sensor of this node must be running. */
export async function simulateNode(f: SimulateFlags): Promise<RuleOutcome[]> {
  const cgroup = fakeContainerCgroup();
  try {
    const ran = new Set<string>();
    const outcomes = await watchAlerts(f, NODE_ATTACKS.map((a) => a.ruleId), (a) => a.container_id === cgroup.id, async () => {
      for (const attack of NODE_ATTACKS) if (attack.run(cgroup.procs)) ran.add(attack.ruleId);
    });
    return outcomes.map((o) => (ran.has(o.rule_id) ? o : { ...o, summary: 'could not run the simulated attack on this machine' }));
  } finally {
    cgroup.remove();
  }
}

export function simulateCommand(): Command {
  return addClientOptions(
    new Command('simulate')
      .description('fire synthetic attacks at a running control plane and report which alerts arrive (nothing real is touched)')
      .addOption(dataDirOption())
      .option('--cluster', 'the Kubernetes audit rules, through the audit webhook')
      .option('--node', 'the node rules: shells in a throwaway container-like cgroup, seen by this node\'s sensor (needs root)')
      .option('--webhook <url>', 'audit webhook base URL', 'https://127.0.0.1:8443')
      .option('--webhook-ca <file>', 'CA (or self-signed certificate) of the webhook\'s TLS certificate')
      .option('--timeout <duration>', 'how long to wait for the alerts', parseDuration, 10_000)
      .option('--json', 'one JSON object per rule'),
  ).action(async (f: SimulateFlags) => {
    if (!f.cluster && !f.node) throw new VigilError('INVALID_ARGUMENT', 'say what to simulate: --cluster, --node or both');
    const outcomes = [...(f.node ? await simulateNode(f) : []), ...(f.cluster ? await simulateCluster(f) : [])];
    for (const o of outcomes)
      process.stdout.write(f.json ? `${JSON.stringify(o)}\n` : `${o.alerted ? 'ALERT   ' : 'MISSING '} ${o.rule_id.padEnd(32)} ${o.summary ?? 'no alert arrived'}\n`);
    const missing = outcomes.filter((o) => !o.alerted).length;
    if (!f.json) process.stdout.write(`${outcomes.length - missing} of ${outcomes.length} rules alerted\n`);
    if (missing) process.exitCode = 1;
  });
}
