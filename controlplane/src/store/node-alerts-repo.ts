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

/**
 * A node alert on its way to the writer thread: its id on the node, the
 * fields the alerts table indexes, and the whole alert (origin included)
 * already as the JSON the store keeps, which crosses threads far cheaper
 * than the object.
 */
export interface NodeAlert {
  originId: number;
  columns: Alert__Output;
  body: string;
}

/** Alert `a` of `origin` as stored here (`full`: with its origin), and as it goes to the writer. */
export function toNodeAlert(origin: NodeOrigin, a: Alert__Output): { row: NodeAlert; full: Alert__Output } {
  const full: Alert__Output = { ...a, origin: { node_address: origin.address, store_id: origin.storeId, alert_id: a.id } };
  return { full, row: { originId: Number(a.id), columns: { ...full, evidence: null }, body: JSON.stringify(full) } };
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
   * under a new id here, and moves its cursor; returns, per alert, its new
   * id, or null when it was taken before. Call inside a transaction, with
   * the repo built on the writer's AlertsRepo.
   */
  take(origin: NodeOrigin, alerts: readonly NodeAlert[]): (string | null)[] {
    let last = this.cursor(origin.storeId);
    const ids = alerts.map(({ originId, columns, body }) => {
      if (originId <= last) return null;
      last = originId;
      return this.alerts!.insert(columns, { storeId: origin.storeId, id: originId }, body).id;
    });
    this.setCursorStmt.run(origin.storeId, origin.address, last);
    return ids;
  }

  storeId(): string {
    return this.storeIdStmt.get() as string;
  }

  /** The nodes whose sensors' events this store holds. */
  nodeNames(): string[] {
    return this.nodeNamesStmt.all() as string[];
  }
}
