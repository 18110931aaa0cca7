/**
 * Turns raised alerts into store writes: the first of a kind is inserted, a
 * repeat within the merge window adds to its count instead. What counts as a
 * repeat is the merge key the engine gave (for the audit log: the same
 * finding about the same object). An alert raised for an audit request is
 * written once per rule and request: the later stages of a long-running
 * request (exec's ResponseStarted, then its ResponseComplete) are the same
 * request, not a repeat. Runs inside the batch's transaction; when that
 * fails, forget() drops the merge state with it, so that no repeat is added
 * to an alert that was never stored (or to another given its id since).
 */
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import type { Raised } from '../detections/engine';
import type { AlertsRepo } from '../store/alerts-repo';

interface Open {
  id: string;
  lastSeenMs: number;
}

export class AlertMerger {
  private readonly open = new Map<string, Open>();

  constructor(
    private readonly repo: AlertsRepo,
    private readonly windowMs = 60_000,
    private readonly maxOpen = 100_000,
  ) {}

  forget(): void {
    this.open.clear();
  }

  /** Writes `raised`; returns the alerts that are new (to publish). */
  apply(raised: readonly Raised[], nowMs: number): Alert__Output[] {
    const fresh: Alert__Output[] = [];
    for (const r of raised) {
      const auditId = r.audit?.id;
      if (auditId !== undefined && this.repo.raisedFor(r.alert.rule_id, auditId)) continue;
      const open = this.open.get(r.mergeKey);
      if (open && nowMs - open.lastSeenMs <= this.windowMs && this.repo.merge(open.id, 1, r.alert.last_seen_unix_nano)) {
        if (auditId !== undefined) this.repo.addAuditId(open.id, r.alert.rule_id, auditId);
        open.lastSeenMs = nowMs;
        continue;
      }
      const stored = this.repo.insert(r.alert);
      if (auditId !== undefined) this.repo.addAuditId(stored.id, r.alert.rule_id, auditId);
      this.open.delete(r.mergeKey);
      this.open.set(r.mergeKey, { id: stored.id, lastSeenMs: nowMs });
      if (this.open.size > this.maxOpen) this.open.delete(this.open.keys().next().value!);
      fresh.push(stored);
    }
    return fresh;
  }
}
