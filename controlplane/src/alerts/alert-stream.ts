/**
 * Live fan-out of newly stored alerts to subscribers. Publishing never waits
 * on a subscriber: each one decides for itself (bounded buffer) whether it
 * can take more.
 */
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';

export type AlertListener = (alert: Alert__Output) => void;

export class AlertStream {
  private readonly listeners = new Set<AlertListener>();
  /** New alerts published, per rule id. */
  readonly publishedByRule = new Map<string, number>();

  subscribe(listener: AlertListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  publish(alerts: readonly Alert__Output[]): void {
    for (const alert of alerts) {
      this.publishedByRule.set(alert.rule_id, (this.publishedByRule.get(alert.rule_id) ?? 0) + 1);
      for (const l of this.listeners) l(alert);
    }
  }
}
