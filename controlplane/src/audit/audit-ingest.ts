/**
 * Audit events into the detections and the store. The rules run here, on
 * the ingest thread, with the one engine every event goes through; the
 * writer thread then stores the events, the input skipped at intake, the
 * alerts of the events that were new, and (for a log file) the read
 * position in one transaction, all or nothing. Events already stored are
 * skipped without alerting again.
 */
import type { AlertStream } from '../alerts/alert-stream';
import type { DetectionEngine } from '../detections/engine';
import { auditRow, type AuditGap } from '../store/audit-repo';
import type { StoreWriter } from '../store/writer';
import type { ParsedAudit } from './parse-audit';

export interface AuditIngestResult {
  stored: number;
  duplicates: number;
  /** Input that was not an event Vigil could store; kept in audit_gaps. */
  skipped: number;
  alerts: number;
}

export interface FilePosition {
  path: string;
  inode: number;
  offset: number;
  /** The position this one follows; the write is refused unless it is the one stored (null: none yet). */
  after: { inode: number; offset: number } | null;
}

/** Skipped input larger than this is recorded without its bytes. */
const MAX_KEPT_BYTES = 1024 * 1024;

export class AuditIngest {
  constructor(
    private readonly writer: StoreWriter,
    private readonly engine: DetectionEngine,
    private readonly stream: AlertStream,
  ) {}

  /** Ingests what `source` (a file, or the webhook's peer) sent; `position` moves with it. */
  async ingest(parsed: ParsedAudit, source: string, position?: FilePosition): Promise<AuditIngestResult> {
    const raised = this.engine.evaluateAudit(parsed.events);
    const gaps: AuditGap[] = parsed.problems.map((p) => ({
      source,
      offset: p.offset ?? null,
      bytes: p.bytes,
      reason: p.reason,
      raw: p.text !== undefined && p.bytes <= MAX_KEPT_BYTES ? p.text : null,
    }));
    const rows = parsed.events.map((e) => auditRow(e.record, e.text));
    const { stored, duplicates, fresh } = await this.writer.writeAudit(rows, raised, gaps, position);
    this.stream.publish(fresh);
    return { stored, duplicates, skipped: gaps.length, alerts: fresh.length };
  }
}
