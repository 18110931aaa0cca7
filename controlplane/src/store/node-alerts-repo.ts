/**
 * What a cluster view took from its nodes: each node alert stored once per
 * (node store, node alert id), and per node store the id to resume after.
 * Also this store's own identity and the nodes it holds events of, which
 * is how a cluster view tells node stores apart.
 */
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import type { AlertsRepo } from './alerts-repo';
import type { Db } from './db';

export interface NodeOrigin {
  /** HOST:PORT the node was reached at. */
  address: string;
  /** The node control plane's store identity. */
  storeId: string;
}

export class NodeAlertsRepo {
  private readonly cursorStmt;
  private readonly setCursorStmt;
  private readonly storeIdStmt;
  private readonly nodeNamesStmt;

  constructor(db: Db, private readonly alerts?: AlertsRepo) {
    this.cursorStmt = db.prepare('SELECT last_origin_id FROM node_cursors WHERE store_id = ?').pluck();
    this.setCursorStmt = db.prepare(
      `INSERT INTO node_cursors (store_id, node_address, last_origin_id) VALUES (?, ?, ?)
       ON CONFLICT (store_id) DO UPDATE SET node_address = excluded.node_address, last_origin_id = max(last_origin_id, excluded.last_origin_id)`,
    );
    this.storeIdStmt = db.prepare('SELECT id FROM store_identity').pluck();
    this.nodeNamesStmt = db.prepare('SELECT name FROM nodes ORDER BY name').pluck();
  }

  /** The highest alert id taken from node store `storeId`; 0 when none was. */
  cursor(storeId: string): number {
    return (this.cursorStmt.get(storeId) as number | undefined) ?? 0;
  }

  /**
   * Stores the alerts of `origin` (in its id order) not taken before, each
   * with a new id here, and moves its cursor; returns those stored. Call
   * inside a transaction, with the repo built on the writer's AlertsRepo.
   */
  take(origin: NodeOrigin, alerts: readonly Alert__Output[]): Alert__Output[] {
    let last = this.cursor(origin.storeId);
    const fresh: Alert__Output[] = [];
    for (const a of alerts) {
      const originId = Number(a.id);
      if (originId <= last) continue;
      const alert: Alert__Output = { ...a, origin: { node_address: origin.address, store_id: origin.storeId, alert_id: a.id } };
      fresh.push(this.alerts!.insert(alert, { storeId: origin.storeId, id: originId }));
      last = originId;
    }
    this.setCursorStmt.run(origin.storeId, origin.address, last);
    return fresh;
  }

  storeId(): string {
    return this.storeIdStmt.get() as string;
  }

  /** The nodes whose sensors' events this store holds. */
  nodeNames(): string[] {
    return this.nodeNamesStmt.all() as string[];
  }
}
