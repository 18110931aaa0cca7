/**
 * Audit events per second through the HTTPS webhook into the store and all
 * the rules: EventLists of 500 realistic events (see audit-mix.ts) posted
 * back to back on two keep-alive connections, as an API server's batching
 * webhook backend does.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import { makeTestPki } from '../helpers/test-pki';
import { tempDir } from '../helpers/temp-dir';
import { startVigil } from '../helpers/vigil-cli';
import { auditMix } from './audit-mix';
import { round } from './stats';
import { freePort } from '../helpers/free-port';

const BATCH = 500;
const CONNECTIONS = 2;

const POST_MARK = '@@@@@@@@';

/** One EventList whose auditIDs carry POST_MARK, replaced per post to make them new. */
function template(): string {
  return JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: auditMix(BATCH, POST_MARK) });
}


export async function benchAuditWebhook(seconds: number) {
  const pki = makeTestPki();
  const dataDir = tempDir('vigil-bench-audit-');
  const port = await freePort();
  const cp = startVigil(['controlplane', '--data-dir', dataDir, '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey, '--audit-webhook', `127.0.0.1:${port}`]);
  await cp.waitFor(/listening on/);
  const token = fs.readFileSync(`${dataDir}/token`, 'utf8').trim();
  const agent = new https.Agent({ keepAlive: true, maxSockets: CONNECTIONS, ca: fs.readFileSync(pki.ca) });
  const text = template();
  let stored = 0;
  let posts = 0;
  const started = Date.now();
  const worker = async () => {
    while (Date.now() - started < seconds * 1000) {
      const body = text.replaceAll(POST_MARK, String(posts++).padStart(POST_MARK.length, '0'));
      const res = await new Promise<{ stored: number }>((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port, path: '/k8s-audit', method: 'POST', agent, servername: 'localhost', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }, (r) => {
          let t = '';
          r.on('data', (d) => (t += d));
          r.on('end', () => (r.statusCode === 200 ? resolve(JSON.parse(t)) : reject(new Error(`webhook ${r.statusCode}: ${t}`))));
        });
        req.on('error', reject);
        req.end(body);
      });
      stored += res.stored;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const perSec = stored / ((Date.now() - started) / 1000);
  agent.destroy();
  cp.child.kill('SIGINT');
  await cp.exited;
  fs.rmSync(dataDir, { recursive: true, force: true });
  return {
    seconds,
    events_per_post: BATCH,
    audit_events_stored: stored,
    audit_events_per_sec: round(perSec, 0),
    target_per_sec: 20_000,
    target_met: perSec >= 20_000,
  };
}
