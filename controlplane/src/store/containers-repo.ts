/**
 * The containers the sensors have seen: the integer key events refer to, the
 * pod each belongs to, and its ContainerStarted / ContainerExited events.
 * The writer records them as events arrive; `vigil containers` and the pod
 * filters read them here instead of scanning events.
 */
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import { eventCodec } from '../../../proto/loader';
import { JOIN_ANCESTRY, storedEventBytes } from './ancestries-repo';
import type { Db } from './db';
import { EVENT_TYPE_NUMBER } from './event-type-number';
import { Interner } from './interner';
import { nowUs } from './time';

export interface SeenContainer {
  node: string;
  started: Event__Output;
  exited?: Event__Output;
}

export class ContainersRepo {
  private readonly keys: Interner;
  /** Keys whose pod is stored: for most events, recording costs one lookup. */
  private readonly podStored = new Set<number>();
  private readonly setPod;
  private readonly setStarted;
  private readonly setExited;

  constructor(private readonly db: Db) {
    this.keys = new Interner(db, 'containers', 'container_id');
    this.setPod = db.prepare('UPDATE containers SET pod_namespace = ?, pod_name = ? WHERE id = ? AND pod_name IS NULL');
    this.setStarted = db.prepare('UPDATE containers SET node_id = ?, started = ? WHERE id = ?');
    this.setExited = db.prepare('UPDATE containers SET exited = ?, exited_us = ? WHERE id = ?');
  }

  /**
   * The key of one event's container, storing what the event tells of it.
   * Call inside the writer's transaction.
   */
  record(containerId: string, podNamespace: string | null, podName: string | null, type: number, nodeId: number, body: Uint8Array): number {
    const ref = this.keys.id(containerId);
    if (podName && !this.podStored.has(ref)) {
      this.setPod.run(podNamespace, podName, ref);
      this.podStored.add(ref);
    }
    if (type === EVENT_TYPE_NUMBER.container_started) this.setStarted.run(nodeId, body, ref);
    else if (type === EVENT_TYPE_NUMBER.container_exited) {
      this.setExited.run(body, nowUs(), ref);
      // Retention may now delete the row: a late event must look it up again.
      this.keys.forget(containerId);
      this.podStored.delete(ref);
    }
    return ref;
  }

  /** Forgets every key and pod remembered: after a transaction that failed, what it wrote is gone. */
  forgetCached(): void {
    this.keys.clear();
    this.podStored.clear();
  }

  /** Newest first: each container's ContainerStarted and, if gone, its ContainerExited. */
  list(limit: number, namespace?: string): SeenContainer[] {
    const rows = this.db
      .prepare(
        `SELECT n.name AS node, c.started, c.exited FROM containers c JOIN nodes n ON n.id = c.node_id
         WHERE c.started IS NOT NULL ${namespace ? 'AND c.pod_namespace = ?' : ''} ORDER BY c.id DESC LIMIT ?`,
      )
      .all(...(namespace ? [namespace] : []), limit) as { node: string; started: Buffer; exited: Buffer | null }[];
    const { decode } = eventCodec();
    return rows.map((r) => ({ node: r.node, started: decode(r.started), exited: r.exited ? decode(r.exited) : undefined }));
  }

  /**
   * Containers not known to have exited, oldest first: each one's
   * ContainerStarted and its first `execs` exec events still stored, in
   * order. What a restarted control plane replays to know again what each
   * runs: its entrypoint, and what an init started under it.
   */
  running(execs: number): { started: Event__Output; execs: Event__Output[] }[] {
    const rows = this.db.prepare('SELECT id, started FROM containers WHERE started IS NOT NULL AND exited IS NULL ORDER BY id').all() as { id: number; started: Buffer }[];
    const firstExecs = this.db.prepare(`SELECT e.body, a.body AS ancestry FROM events e ${JOIN_ANCESTRY} WHERE e.container_ref = ? AND e.type = ? ORDER BY e.id LIMIT ?`);
    const { decode } = eventCodec();
    return rows.map((r) => ({
      started: decode(r.started),
      execs: (firstExecs.all(r.id, EVENT_TYPE_NUMBER.exec, execs) as { body: Buffer; ancestry: Buffer | null }[]).map((e) => decode(storedEventBytes(e.body, e.ancestry))),
    }));
  }

  /** Deletes exited containers none of whose events are left. */
  prune(): number {
    return this.db
      .prepare('DELETE FROM containers WHERE exited_us IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events WHERE container_ref = containers.id)')
      .run().changes;
  }
}
