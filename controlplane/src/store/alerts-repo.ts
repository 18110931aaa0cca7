/**
 * Alerts: inserted once, merged in place, listed by id for the stream's
 * cursor. An alert from the audit log also lists the auditID of every
 * request merged into it.
 */
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import type { AlertFilter__Output } from '../../../proto/generated/vigil/v1/AlertFilter';
import { SEVERITY_RANK, alertMatches, checkAlertFilter } from '../alerts/alert-filter';
import type { Db } from './db';
import { nsToUs } from './time';

const SCAN_CHUNK = 500;

interface AlertRow {
  id: number;
  count: number;
  last_seen_us: number;
  body: string;
}

export class AlertsRepo {
  private readonly insertStmt;
  private readonly mergeStmt;
  private readonly maxIdStmt;
  private readonly countStmt;
  private readonly chunkAsc;
  private readonly chunkDesc;
  private readonly addAuditIdStmt;
  private readonly hasAuditIdStmt;
  private readonly auditIdsStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO alerts (rule_id, severity, node_name, container_id, namespace, pod, pid, first_seen_us, last_seen_us, count, body, origin_store, origin_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.mergeStmt = db.prepare('UPDATE alerts SET count = count + ?, last_seen_us = max(last_seen_us, ?) WHERE id = ?');
    this.maxIdStmt = db.prepare('SELECT coalesce(max(id), 0) FROM alerts').pluck();
    this.countStmt = db.prepare('SELECT count(*) FROM alerts').pluck();
    this.chunkAsc = db.prepare('SELECT id, count, last_seen_us, body FROM alerts WHERE id > ? AND id < ? ORDER BY id ASC LIMIT ?');
    this.chunkDesc = db.prepare('SELECT id, count, last_seen_us, body FROM alerts WHERE id < ? AND id > ? ORDER BY id DESC LIMIT ?');
    this.addAuditIdStmt = db.prepare('INSERT INTO alert_audit_ids (alert_id, rule_id, audit_id) VALUES (?, ?, ?)');
    this.hasAuditIdStmt = db.prepare('SELECT 1 FROM alert_audit_ids WHERE rule_id = ? AND audit_id = ?').pluck();
    this.auditIdsStmt = db.prepare('SELECT audit_id FROM alert_audit_ids WHERE alert_id = ? ORDER BY id').pluck();
  }

  /**
   * Stores a new alert and returns it with its id; call inside a
   * transaction. `origin`: the node store and id of an alert a cluster view
   * took from a node (unique: the same one twice fails); `body`: the whole
   * alert as JSON, when the caller made it already.
   */
  insert(alert: Alert__Output, origin?: { storeId: string; id: number }, body = JSON.stringify(alert)): Alert__Output {
    const id = this.insertStmt.run(
      alert.rule_id,
      SEVERITY_RANK[alert.severity] ?? 0,
      alert.node_name,
      alert.container_id,
      alert.namespace,
      alert.pod,
      alert.pid,
      nsToUs(alert.first_seen_unix_nano),
      nsToUs(alert.last_seen_unix_nano),
      // A node alert arrives with the occurrences merged into it by then.
      Math.max(1, alert.count),
      body,
      origin?.storeId ?? null,
      origin?.id ?? null,
    ).lastInsertRowid;
    return { ...alert, id: String(id) };
  }

  /** Adds `count` occurrences seen up to `lastSeenNs` to alert `id`; false when retention removed it meanwhile. */
  merge(id: string, count: number, lastSeenNs: string): boolean {
    return this.mergeStmt.run(count, nsToUs(lastSeenNs), Number(id)).changes === 1;
  }

  /** Notes that audit request `auditId` is part of alert `id`; call inside a transaction. */
  addAuditId(id: string, ruleId: string, auditId: string): void {
    this.addAuditIdStmt.run(Number(id), ruleId, auditId);
  }

  /** Whether rule `ruleId` already raised an alert for audit request `auditId`. */
  raisedFor(ruleId: string, auditId: string): boolean {
    return this.hasAuditIdStmt.get(ruleId, auditId) !== undefined;
  }

  maxId(): number {
    return this.maxIdStmt.get() as number;
  }

  count(): number {
    return this.countStmt.get() as number;
  }

  /**
   * Alerts with id in (afterId, beforeId) that match `filter`, ascending or
   * descending, at most `limit`. Scans in chunks with the same matcher the
   * live stream uses, so a listing and a subscription never disagree.
   */
  list(filter: AlertFilter__Output | null | undefined, opts: { afterId?: number; beforeId?: number; limit: number; order: 'asc' | 'desc' }): Alert__Output[] {
    checkAlertFilter(filter);
    const asc = opts.order === 'asc';
    const stmt = asc ? this.chunkAsc : this.chunkDesc;
    const out: Alert__Output[] = [];
    let cursor = asc ? (opts.afterId ?? 0) : (opts.beforeId ?? Number.MAX_SAFE_INTEGER);
    for (;;) {
      const rows = stmt.all(cursor, asc ? (opts.beforeId ?? Number.MAX_SAFE_INTEGER) : (opts.afterId ?? 0), SCAN_CHUNK) as AlertRow[];
      for (const r of rows) {
        const alert: Alert__Output = { ...(JSON.parse(r.body) as Alert__Output), id: String(r.id), count: r.count, last_seen_unix_nano: `${r.last_seen_us}000` };
        // Bodies stored before schema 3 have no audit_ids.
        // Only a cluster view's alerts taken from nodes have one (schema 7),
        // and they arrive with their audit ids in the body.
        alert.origin ??= null;
        if (!alert.origin) alert.audit_ids = alert.evidence?.audit ? (this.auditIdsStmt.all(r.id) as string[]) : [];
        if (alertMatches(alert, filter)) out.push(alert);
        if (out.length >= opts.limit) return out;
      }
      if (rows.length < SCAN_CHUNK) return out;
      cursor = rows[rows.length - 1].id;
    }
  }
}
