/**
 * Where node alerts join the cluster view's own: each batch a node sent is
 * cut to the contract's bounds (a node is a peer, and its alerts are input),
 * stored once per origin by the writer thread, and what was new is
 * published on the cluster view's alert stream with its id here. Writes go
 * through the one writer, so ids stay in the order they are published.
 */
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import { clampToLimits } from '../../../proto/field-limits';
import type { AlertStream } from '../alerts/alert-stream';
import { toNodeAlert, type NodeAlertsRepo, type NodeOrigin } from '../store/node-alerts-repo';
import type { StoreWriter } from '../store/writer';

export class NodeAlertsFanIn {
  constructor(
    private readonly writer: StoreWriter,
    /** On the reading connection: cursors as committed. */
    private readonly repo: NodeAlertsRepo,
    private readonly stream: AlertStream,
  ) {}

  /** The node alert id to resume `storeId` after. */
  cursor(storeId: string): number {
    return this.repo.cursor(storeId);
  }

  /** Stores and publishes the alerts of `origin` not taken before; resolves with how many were new. */
  async take(origin: NodeOrigin, alerts: Alert__Output[]): Promise<number> {
    const rows = alerts.map((a) => {
      clampToLimits('vigil.v1.Alert', a);
      return toNodeAlert(origin, a);
    });
    const ids = await this.writer.writeNodeAlerts(origin, rows.map((r) => r.row));
    const fresh: Alert__Output[] = [];
    ids.forEach((id, i) => id !== null && fresh.push({ ...rows[i].full, id }));
    this.stream.publish(fresh);
    return fresh.length;
  }
}
