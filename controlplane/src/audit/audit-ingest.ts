/**
 * Audit events into the store and the detections, in one transaction: new
 * events are stored, their alerts raised, and (for a log file) the read
 * position moved, all or nothing. Events already stored are skipped without
 * alerting again.
 */
import type { AlertMerger } from '../alerts/alert-merger';
import type { AlertStream } from '../alerts/alert-stream';
import type { DetectionEngine } from '../detections/engine';
import type { AuditRepo } from '../store/audit-repo';
import type { Db } from '../store/db';
import type { K8sAuditEvent } from './k8s-audit-event';
import { toAuditRecord } from './to-audit-record';

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
  private readonly commit;
  stored = 0;

  constructor(
    db: Db,
    private readonly repo: AuditRepo,
    private readonly engine: DetectionEngine,
    private readonly merger: AlertMerger,
    private readonly stream: AlertStream,
  ) {
    this.commit = db.transaction((events: readonly K8sAuditEvent[], position: FilePosition | undefined) => {
      const fresh = [];
      for (const raw of events) {
        const record = toAuditRecord(raw);
        if (this.repo.insert(record, JSON.stringify(raw))) fresh.push({ raw, record });
      }
      if (position) this.repo.setPosition(position.path, position.inode, position.offset);
      const alerts = this.merger.apply(this.engine.evaluateAudit(fresh), Date.now());
      return { fresh: fresh.length, alerts };
    });
  }

  ingest(events: readonly K8sAuditEvent[], position?: FilePosition): AuditIngestResult {
    const { fresh, alerts } = this.commit(events, position);
    this.stored += fresh;
    this.stream.publish(alerts);
    return { stored: fresh, duplicates: events.length - fresh, alerts: alerts.length };
  }
}
