/** Audit events, the input that could not be stored as one (gaps), and audit-log read positions. */
import type { AuditRecord__Output } from '../../../proto/generated/vigil/v1/AuditRecord';
import type { Db } from './db';
import { nsToUs } from './time';

export interface AuditQuery {
  verb?: string;
  user?: string;
  resource?: string;
  namespace?: string;
  sinceUs?: number;
  limit: number;
}

/** Audit input skipped at intake; see audit_gaps in migration 003. */
export interface AuditGap {
  source: string;
  offset: number | null;
  bytes: number;
  reason: string;
  raw: string | null;
}

/**
 * One audit_events row, columns in table order: what the writer thread
 * receives. Built on the ingest thread, so the writer, the slower of the
 * two, neither serializes the record nor walks its object graph.
 */
export type AuditRow = [tsUs: number, auditId: string, stage: string, verb: string, username: string, resource: string, subresource: string, namespace: string, name: string, responseCode: number, decision: string, record: string, raw: string];

export function auditRow(r: AuditRecord__Output, raw: string): AuditRow {
  return [nsToUs(r.time_unix_nano), r.audit_id, r.stage, r.verb, r.username, r.resource, r.subresource, r.namespace, r.name, r.response_code, r.decision, JSON.stringify(r), raw];
}

export interface StoredAudit {
  id: number;
  record: AuditRecord__Output;
}

export class AuditRepo {
  private readonly insertStmt;
  private readonly getSource;
  private readonly putSource;
  private readonly insertGap;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT OR IGNORE INTO audit_events (ts_us, audit_id, stage, verb, username, resource, subresource, namespace, name, response_code, decision, record, raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.getSource = db.prepare('SELECT inode, offset FROM audit_sources WHERE path = ?');
    this.insertGap = db.prepare('INSERT INTO audit_gaps (recorded_at_us, source, offset, bytes, reason, raw) VALUES (?, ?, ?, ?, ?, ?)');
    this.putSource = db.prepare('INSERT INTO audit_sources (path, inode, offset) VALUES (?, ?, ?) ON CONFLICT(path) DO UPDATE SET inode = excluded.inode, offset = excluded.offset');
  }

  /** Stores the row unless its (audit_id, stage) is there already; true when new. Call inside a transaction. */
  insertRow(row: AuditRow): boolean {
    return this.insertStmt.run(...row).changes === 1;
  }

  /** Stores `r` unless (audit_id, stage) is there already; true when new. Call inside a transaction. */
  insert(r: AuditRecord__Output, raw: string): boolean {
    return this.insertRow(auditRow(r, raw));
  }

  recordGap(g: AuditGap, nowUs: number): void {
    this.insertGap.run(nowUs, g.source, g.offset, g.bytes, g.reason, g.raw);
  }

  position(path: string): { inode: number; offset: number } | undefined {
    return this.getSource.get(path) as { inode: number; offset: number } | undefined;
  }

  setPosition(path: string, inode: number, offset: number): void {
    this.putSource.run(path, inode, offset);
  }

  list(q: AuditQuery): StoredAudit[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    for (const [col, v] of [['verb', q.verb], ['username', q.user], ['resource', q.resource], ['namespace', q.namespace]] as const)
      if (v !== undefined) {
        where.push(`${col} = ?`);
        args.push(v);
      }
    if (q.sinceUs !== undefined) {
      where.push('ts_us >= ?');
      args.push(q.sinceUs);
    }
    const rows = this.db
      .prepare(`SELECT id, record FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ts_us DESC, id DESC LIMIT ?`)
      .all(...args, q.limit) as { id: number; record: string }[];
    return rows.map((r) => ({ id: r.id, record: JSON.parse(r.record) as AuditRecord__Output }));
  }
}
