/**
 * `vigil simulate --cluster`: posts a synthetic audit event for every cluster
 * rule to the running control plane's audit webhook and reports, rule by
 * rule, whether its alert came back on the alert stream. Touches no cluster.
 */
import { randomBytes } from 'node:crypto';
import * as https from 'node:https';
import { Command, InvalidArgumentError } from 'commander';
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import { VigilError } from '../../../proto/errors';
import { loadVigilProtos } from '../../../proto/loader';
import { readNamedFile } from '../../../proto/read-file';
import { listAlertsRemotely } from '../../../proto/remote-list';
import { simulatedClusterAttacks } from '../audit/audit-event-builder';
import { WEBHOOK_PATH } from '../audit/webhook';
import { durationOption, durationUpTo } from '../../../proto/cli-values';
import { addClientOptions, addressFromFlags, callMetadata, channelCredentials, type ClientFlags as ClientOptions } from '../../../proto/client-connection';
import { CONTAINER_RULES, NODE_ATTACKS, simulatedPrivilegedPod, simulationSite } from './simulate-node';

interface SimulateFlags extends ClientOptions {
  cluster?: boolean;
  node?: boolean;
  criSocket?: string;
  image?: string;
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
  /** Why the stand-in could not run here; such a rule is reported, not failed. */
  skipped?: string;
}

function post(url: string, body: string, token: string | undefined, ca: Buffer | undefined): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A certificate the CA does not vouch for means the webhook answered: the CA given is the wrong one.
      const hint = /CERT|SELF_SIGNED|VERIFY/.test(err.code ?? '') ? 'give --webhook-ca the CA that signed the webhook\'s certificate' : 'is the control plane running with --audit-webhook?';
      reject(new VigilError('UNAVAILABLE', `audit webhook at ${url}: ${err.message}; ${hint}`));
    });
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
  const { AlertService } = loadVigilProtos().vigil.v1;
  const [latest] = await listAlertsRemotely(f, {}, 1);
  const newest = latest?.id ?? '0';
  const alerts = new AlertService(address.target, creds);
  const call = alerts.Subscribe({ after_id: newest, filter: { rule_ids: ruleIds } }, md);
  // Judged as they are found, not as they arrive: an alert can come before the act that caused it returns.
  const arrived: Alert__Output[] = [];
  const seen = new Map<string, Alert__Output>();
  const judge = () => {
    for (const a of arrived.splice(0)) if (mine(a)) seen.set(a.rule_id, a);
  };
  call.on('data', (a: Alert__Output) => arrived.push(a));
  call.on('error', () => undefined);
  try {
    await act();
    const deadline = Date.now() + f.timeout;
    for (judge(); seen.size < ruleIds.length && Date.now() < deadline; judge()) await new Promise((r) => setTimeout(r, 50));
  } finally {
    call.cancel();
    alerts.close();
  }
  return ruleIds.map((ruleId) => {
    const a = seen.get(ruleId);
    return { rule_id: ruleId, alerted: !!a, alert_id: a?.id, summary: a?.summary };
  });
}

function parseWebhookUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a URL (e.g. https://127.0.0.1:8443)`);
  }
  if (url.protocol !== 'https:') throw new InvalidArgumentError(`"${value}": the audit webhook is served over https only`);
  return value;
}

export function simulateCluster(f: SimulateFlags): Promise<RuleOutcome[]> {
  const suffix = randomBytes(4).toString('hex');
  const attacks = simulatedClusterAttacks(suffix);
  const mine = (a: Alert__Output) => a.summary.includes(suffix) || JSON.stringify(a.evidence?.audit ?? {}).includes(suffix);
  return watchAlerts(f, attacks.map((a) => a.ruleId), mine, async () => {
    const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: attacks.map((a) => a.event) });
    const token = addressFromFlags(f).token;
    const ca = f.webhookCa ? readNamedFile(f.webhookCa, '--webhook-ca') : undefined;
    const res = await post(`${f.webhook.replace(/\/+$/, '')}${WEBHOOK_PATH}`, body, token, ca);
    if (res.status !== 200) throw new VigilError('UNAVAILABLE', `audit webhook answered ${res.status}: ${res.text}`);
  });
}

/** Runs the node attacks in a fake container and a real one; the sensor of this node must be running. */
export async function simulateNode(f: SimulateFlags): Promise<RuleOutcome[]> {
  const site = simulationSite(f.dataDir);
  let pod: Awaited<ReturnType<typeof simulatedPrivilegedPod>> | undefined;
  const skipped = new Map<string, string>();
  try {
    const ids = [...NODE_ATTACKS.map((a) => a.ruleId), ...CONTAINER_RULES];
    const outcomes = await watchAlerts(f, ids, (a) => a.container_id === site.id || (typeof pod === 'object' && a.container_id === pod.containerId), async () => {
      pod = await simulatedPrivilegedPod(f.criSocket, f.image);
      if (typeof pod === 'string') for (const id of CONTAINER_RULES) skipped.set(id, pod);
      for (const attack of NODE_ATTACKS) {
        const why = attack.run(site);
        if (why) skipped.set(attack.ruleId, why);
      }
    });
    return outcomes.map((o) => (!o.alerted && skipped.has(o.rule_id) ? { ...o, skipped: skipped.get(o.rule_id) } : o));
  } finally {
    if (typeof pod === 'object') await pod.remove();
    site.remove();
  }
}

export function simulateCommand(): Command {
  return addClientOptions(
    new Command('simulate')
      .description('fire synthetic attacks at a running control plane and report which alerts arrive (nothing real is touched)')
      .option('--cluster', 'the Kubernetes audit rules, through the audit webhook')
      .option('--node', 'the node rules: harmless stand-ins in a throwaway container-like cgroup, and a privileged pod through the CRI, seen by this node\'s sensor (needs root)')
      .option('--cri-socket <path>', 'with --node: the container runtime to start the privileged pod with (default: found at the usual paths)')
      .option('--image <image>', 'with --node: an image the runtime already has, with /bin/sh (default: one of the images running containers use)')
      .option('--webhook <url>', 'audit webhook base URL (https)', parseWebhookUrl, 'https://127.0.0.1:8443')
      .option('--webhook-ca <file>', 'CA (or self-signed certificate) of the webhook\'s TLS certificate')
      .addOption(durationOption('--timeout <duration>', 'how long to wait for the alerts (up to 1h)', durationUpTo(3_600_000), 10_000))
      .option('--json', 'one JSON object per rule'),
  ).action(async (f: SimulateFlags) => {
    if (!f.cluster && !f.node) throw new VigilError('INVALID_ARGUMENT', 'say what to simulate: --cluster, --node or both');
    const outcomes = [...(f.node ? await simulateNode(f) : []), ...(f.cluster ? await simulateCluster(f) : [])];
    for (const o of outcomes)
      process.stdout.write(f.json ? `${JSON.stringify(o)}\n` : `${o.alerted ? 'ALERT   ' : o.skipped ? 'SKIPPED ' : 'MISSING '} ${o.rule_id.padEnd(34)} ${o.summary ?? o.skipped ?? 'no alert arrived'}\n`);
    const missing = outcomes.filter((o) => !o.alerted && !o.skipped).length;
    const skippedCount = outcomes.filter((o) => o.skipped).length;
    if (!f.json) process.stdout.write(`${outcomes.length - missing - skippedCount} of ${outcomes.length} rules alerted${skippedCount ? `, ${skippedCount} could not be simulated here` : ''}${missing ? `, ${missing} MISSING` : ''}\n`);
    if (missing) process.exitCode = 1;
  });
}
