/**
 * Audit events into the store and the detections: the writer thread stores
 * the new ones, raises their alerts and (for a log file) moves the read
 * position in one transaction, all or nothing. Events already stored are
 * skipped without alerting again.
 */
import type { AlertStream } from '../alerts/alert-stream';
import type { StoreWriter } from '../store/writer';
import type { K8sAuditEvent } from './k8s-audit-event';

export interface AuditIngestResult {
  stored: number;
  duplicates: number;
  alerts: number;
}

export interface FilePosition {
  path: string;
  inode: number;
  offset: number;
}

export class AuditIngest {
  constructor(
    private readonly writer: StoreWriter,
    private readonly stream: AlertStream,
  ) {}

  async ingest(events: K8sAuditEvent[], position?: FilePosition): Promise<AuditIngestResult> {
    const { stored, duplicates, fresh } = await this.writer.writeAudit(events, position);
    this.stream.publish(fresh);
    return { stored, duplicates, alerts: fresh.length };
  }
}
