/**
 * Audit events per second through a JSON-lines audit log into the store and
 * all the rules: a `vigil controlplane --audit-log` process is running when
 * the log grows by `events` lines at once (audit-mix.ts), as an API server's
 * log backend writes a burst, and the clock stops when the last is stored.
 */
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/temp-dir';
import { startVigil } from '../helpers/vigil-cli';
import { auditMix } from './audit-mix';
import { round } from './stats';

const CHUNK = 10_000;

export async function benchAuditLogFile(events: number) {
  const dataDir = tempDir('vigil-bench-auditlog-');
  const log = path.join(dataDir, 'audit.log');
  fs.writeFileSync(log, '');
  const cp = startVigil(['controlplane', '--data-dir', dataDir, '--audit-log', log]);
  await cp.waitFor(/following audit log/);
  const chunks: string[] = [];
  for (let at = 0; at < events; at += CHUNK) chunks.push(`${auditMix(Math.min(CHUNK, events - at), `log-${at}`).map((e) => JSON.stringify(e)).join('\n')}\n`);
  const bytes = chunks.reduce((n, c) => n + Buffer.byteLength(c), 0);

  const started = Date.now();
  for (const c of chunks) fs.appendFileSync(log, c);
  const db = new Database(path.join(dataDir, 'vigil.db'), { readonly: true });
  const stored = db.prepare('SELECT coalesce(max(id), 0) FROM audit_events').pluck();
  let n = 0;
  while ((n = stored.get() as number) < events && Date.now() - started < 120_000) await new Promise((r) => setTimeout(r, 20));
  const seconds = (Date.now() - started) / 1000;
  db.close();
  cp.child.kill('SIGINT');
  await cp.exited;
  fs.rmSync(dataDir, { recursive: true, force: true });
  const perSec = n / seconds;
  return {
    events,
    log_bytes: bytes,
    audit_events_stored: n,
    seconds: round(seconds, 2),
    audit_events_per_sec: round(perSec, 0),
    target_per_sec: 20_000,
    target_met: n === events && perSec >= 20_000,
  };
}
