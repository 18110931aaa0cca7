/**
 * Events and the batches that carried them. A batch is committed at most once
 * per (node, seq): everything a batch writes happens in the caller's one
 * transaction, so a crash leaves either all of it or none.
 */
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import type { EventFilter__Output } from '../../../proto/generated/vigil/v1/EventFilter';
import type { StoredEvent__Output } from '../../../proto/generated/vigil/v1/StoredEvent';
import type { Gap__Output } from '../../../proto/generated/vigil/v1/Gap';
import { VigilError } from '../../../proto/errors';
import { eventCodec } from '../../../proto/loader';
import { AncestriesRepo, JOIN_ANCESTRY, ancestryStart, storedEventBytes } from './ancestries-repo';
import { ContainersRepo } from './containers-repo';
import type { Db } from './db';
import { EVENT_TYPE_NUMBER } from './event-type-number';
import { Interner } from './interner';
import { nowUs, nsToUs } from './time';
import { skippedBefore } from '../../../proto/batch-seq';
import { checkContainerPrefix } from '../../../proto/container-prefix';

const ROW = '(?, ?, ?, ?, ?, ?, ?, ?)';
const ROW_PARAMS = 8;
const COLUMNS = '(ts_us, type, node_id, batch_seq, pid, container_ref, body, ancestry_ref)';
/** Rows per INSERT statement: one call into SQLite per 50 events, not per event. */
const ROWS_PER_INSERT = 50;

/** A container a batch's events name, with the pod they name it in (both null when they name none). */
export interface BatchContainer {
  id: string;
  podNamespace: string | null;
  podName: string | null;
}

/**
 * A batch's events as rows, built where the events are (the ingest thread)
 * and written where the connection is (the writer thread). Every number
 * and the encoded events share one ArrayBuffer, which moves to the writer
 * thread without a copy (`batchRowsTransfer`); the containers the events
 * name are listed once per batch, not once per event. Structured clone
 * copies each element of a list: three lists of a thousand strings or
 * nulls took it about 150 us a batch, against 2 us for one buffer moved.
 */
export interface BatchRows {
  /** Per event: its time, in microseconds. */
  tsUs: Float64Array;
  /** Per event, INTS_PER_ROW values: its type, its pid, where its body ends in `bodies`, and its container's index in `containers` (-1: none). */
  ints: Int32Array;
  containers: BatchContainer[];
  /** The events as the sensor encoded them, back to back. */
  bodies: Uint8Array;
}

const INTS_PER_ROW = 4;
const [TYPE, PID, BODY_END, CONTAINER] = [0, 1, 2, 3];

/** The memory of `rows`, for postMessage's transfer list: moved, not copied; the sender must not touch `rows` after. */
export function batchRowsTransfer(rows: BatchRows): ArrayBuffer[] {
  return [rows.bodies.buffer as ArrayBuffer];
}

/** Indexes of the distinct (container, pod) pairs of one batch. */
class BatchContainers {
  readonly list: BatchContainer[] = [];
  private readonly index = new Map<string, number>();
  private last = -1;

  of(id: string, podNamespace: string | null, podName: string | null): number {
    // A batch's events mostly come from one container after another in runs.
    const prev = this.list[this.last];
    if (prev && prev.id === id && prev.podNamespace === podNamespace && prev.podName === podName) return this.last;
    const key = `${id}\0${podNamespace ?? '\u0001'}\0${podName ?? '\u0001'}`;
    let at = this.index.get(key);
    if (at === undefined) {
      at = this.list.push({ id, podNamespace, podName }) - 1;
      this.index.set(key, at);
    }
    this.last = at;
    return at;
  }
}

/** `events[i]` is `encoded[i]` decoded. */
export function toBatchRows(events: readonly Event__Output[], encoded: readonly Uint8Array[]): BatchRows {
  const n = events.length;
  let total = 0;
  for (const e of encoded) total += e.length;
  // Times first (8-byte aligned), then the ints, then the bodies; memory of its own, not a slice of a shared pool, which cannot move.
  const memory = new ArrayBuffer(n * 8 + n * INTS_PER_ROW * 4 + total);
  const containers = new BatchContainers();
  const rows: BatchRows = {
    tsUs: new Float64Array(memory, 0, n),
    ints: new Int32Array(memory, n * 8, n * INTS_PER_ROW),
    containers: containers.list,
    bodies: new Uint8Array(memory, n * 8 + n * INTS_PER_ROW * 4, total),
  };
  let end = 0;
  for (let i = 0; i < n; i++) {
    const ev = events[i];
    const at = i * INTS_PER_ROW;
    rows.tsUs[i] = nsToUs(ev.time_unix_nano);
    rows.ints[at + TYPE] = EVENT_TYPE_NUMBER[ev.body ?? ''] ?? 0;
    rows.ints[at + PID] = ev.process?.pid ?? 0;
    const c = ev.container;
    rows.ints[at + CONTAINER] = c?.id ? containers.of(c.id, c.pod_name ? c.pod_namespace : null, c.pod_name || null) : -1;
    rows.bodies.set(encoded[i], end);
    rows.ints[at + BODY_END] = end += encoded[i].length;
  }
  return rows;
}

export interface EventPage {
  events: StoredEvent__Output[];
  nextPageToken: string;
}

/** A gap's window edge as stored: microseconds, or NULL for a gap that is not about time. */
function windowEdge(unixNano: string): bigint | null {
  return unixNano === '0' ? null : BigInt(nsToUs(unixNano));
}

export class EventsRepo {
  readonly nodes: Interner;
  readonly containers: ContainersRepo;
  readonly ancestries: AncestriesRepo;
  private readonly insertEvent;
  private readonly maxEventId;
  private readonly insertEvents;
  private readonly insertBatchRow;
  private readonly insertGap;
  private readonly setLastSeq;
  private readonly getLastSeq;
  private readonly hasBatchStmt;
  private readonly maxSeqUpTo;
  private readonly countStmt;

  constructor(private readonly db: Db) {
    this.nodes = new Interner(db, 'nodes', 'name');
    this.containers = new ContainersRepo(db);
    this.ancestries = new AncestriesRepo(db);
    this.insertEvent = db.prepare(`INSERT INTO events ${COLUMNS} VALUES ${ROW}`);
    this.insertEvents = db.prepare(`INSERT INTO events ${COLUMNS} VALUES ${Array(ROWS_PER_INSERT).fill(ROW).join(',')}`);
    this.maxEventId = db.prepare('SELECT coalesce(max(id), 0) FROM events').pluck();
    this.insertBatchRow = db.prepare(
      'INSERT INTO batches (node_id, seq, first_event_id, last_event_id, events, min_ts_us, max_ts_us, committed_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertGap = db.prepare('INSERT INTO gaps (node_id, first_seq, last_seq, events, reason, recorded_at_us, from_us, to_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.setLastSeq = db.prepare('UPDATE nodes SET last_seq = max(last_seq, ?) WHERE id = ?');
    this.getLastSeq = db.prepare('SELECT last_seq FROM nodes WHERE name = ?').pluck().safeIntegers(true);
    this.hasBatchStmt = db.prepare('SELECT 1 FROM batches WHERE node_id = (SELECT id FROM nodes WHERE name = ?) AND seq = ?').pluck();
    this.maxSeqUpTo = db.prepare('SELECT coalesce(max(seq), 0) FROM batches WHERE node_id = (SELECT id FROM nodes WHERE name = ?) AND seq <= ?').pluck().safeIntegers(true);
    this.countStmt = db.prepare('SELECT count(*) FROM events').pluck();
  }

  /**
   * Forgets every id remembered from the store (nodes, containers,
   * ancestries): call after a transaction that failed, whose rows are gone
   * and whose ids may be given to others.
   */
  forgetCached(): void {
    this.nodes.clear();
    this.containers.forgetCached();
    this.ancestries.forget();
  }

  /** Highest committed seq of `node`, 0n when none. */
  lastSeq(node: string): bigint {
    return (this.getLastSeq.get(node) as bigint | undefined) ?? 0n;
  }

  /** Whether batch `seq` of `node` was committed (exactly that one: a seq above it proves nothing). */
  hasBatch(node: string, seq: bigint): boolean {
    return this.hasBatchStmt.get(node, seq) !== undefined;
  }

  /**
   * The highest seq of `node` committed at or below `upTo`: where a sensor
   * holding batches up to `upTo` resumes. A seq above its own (a forged or
   * stray batch) never tells a sensor to forget what it holds.
   */
  committedUpTo(node: string, upTo: bigint): bigint {
    const last = this.lastSeq(node);
    return last <= upTo ? last : ((this.maxSeqUpTo.get(node, upTo) as bigint | undefined) ?? 0n);
  }

  /**
   * Writes one batch; call inside a transaction. Returns false, writing
   * nothing, when (node, seq) was committed before. Batches the sensor's
   * numbering skipped to reach this one are recorded as a gap, unless the
   * batch itself reports them.
   */
  insertBatch(node: string, seq: bigint, rows: BatchRows, gap: Gap__Output | null): boolean {
    const nodeId = this.nodes.id(node);
    if (this.hasBatch(node, seq)) return false;
    const skipped = skippedBefore(this.lastSeq(node), seq);
    const n = rows.tsUs.length;
    // The only writer appends with rowid = max + 1, so a batch's ids are consecutive and its last is known before it is written.
    const lastId = (this.maxEventId.get() as number) + n;
    const bodies = Buffer.from(rows.bodies.buffer, rows.bodies.byteOffset, rows.bodies.byteLength);
    this.ancestries.beginBatch();
    let minTs = Infinity;
    let maxTs = -Infinity;
    const params = new Array<unknown>(ROW_PARAMS * ROWS_PER_INSERT);
    let filled = 0;
    let last: number | null = null;
    let bodyStart = 0;
    for (let i = 0; i < n; i++) {
      const ts = rows.tsUs[i];
      if (ts < minTs) minTs = ts;
      if (ts > maxTs) maxTs = ts;
      const row = i * INTS_PER_ROW;
      const type = rows.ints[row + TYPE];
      const bodyEnd = rows.ints[row + BODY_END];
      const body = bodies.subarray(bodyStart, bodyEnd);
      const cut = ancestryStart(body);
      const container = rows.containers[rows.ints[row + CONTAINER]];
      const at = filled * ROW_PARAMS;
      params[at] = ts;
      params[at + 1] = type;
      params[at + 2] = nodeId;
      params[at + 3] = seq;
      params[at + 4] = rows.ints[row + PID];
      params[at + 5] = container ? this.containers.record(container.id, container.podNamespace, container.podName, type, nodeId, body) : null;
      params[at + 6] = body.subarray(0, cut);
      params[at + 7] = cut < body.length ? this.ancestries.refer(bodies, bodyStart + cut, bodyEnd, lastId) : null;
      bodyStart = bodyEnd;
      if (++filled === ROWS_PER_INSERT) {
        last = Number(this.insertEvents.run(params).lastInsertRowid);
        filled = 0;
      }
    }
    for (let i = 0; i < filled; i++) last = Number(this.insertEvent.run(params.slice(i * ROW_PARAMS, (i + 1) * ROW_PARAMS)).lastInsertRowid);
    if (last !== null && last !== lastId) throw new Error(`batch ${seq} of ${node}: its events were stored as ids up to ${last}, not ${lastId}: another writer appended events`);
    const first = last === null ? null : last - n + 1;
    const now = nowUs();
    this.insertBatchRow.run(nodeId, seq, first, last, n, first === null ? null : minTs, first === null ? null : maxTs, now);
    if (gap) this.insertGap.run(nodeId, BigInt(gap.first_seq), BigInt(gap.last_seq), BigInt(gap.events), gap.reason, now, windowEdge(gap.from_unix_nano), windowEdge(gap.to_unix_nano));
    if (skipped && !(gap && BigInt(gap.first_seq) <= skipped.first && BigInt(gap.last_seq) >= skipped.last))
      this.insertGap.run(nodeId, skipped.first, skipped.last, 0, `batches ${skipped.first} to ${skipped.last} never arrived: the sensor's numbering skipped them (the events they held are not counted)`, now, null, null);
    this.setLastSeq.run(seq, nodeId);
    return true;
  }

  count(): number {
    return this.countStmt.get() as number;
  }

  list(filter: EventFilter__Output | null, pageSize: number, pageToken: string): EventPage {
    const where: string[] = [];
    const args: (number | string)[] = [];
    const f = filter;
    if (f?.type && f.type !== 'EVENT_TYPE_UNSPECIFIED') {
      where.push('e.type = ?');
      args.push(EVENT_TYPE_NUMBER[f.type]);
    }
    if (f?.pid) {
      where.push('e.pid = ?');
      args.push(f.pid);
    }
    if (f?.node_name) {
      where.push('e.node_id = ?');
      args.push(this.nodes.find(f.node_name) ?? -1);
    }
    if (f?.container_id) {
      checkContainerPrefix(f.container_id);
      where.push("e.container_ref IN (SELECT id FROM containers WHERE container_id >= ? AND container_id < ? || x'ff')");
      args.push(f.container_id, f.container_id);
    }
    if (f?.pod_namespace || f?.pod_name) {
      const pod = [f.pod_namespace && 'pod_namespace = ?', f.pod_name && 'pod_name = ?'].filter(Boolean).join(' AND ');
      where.push(`e.container_ref IN (SELECT id FROM containers WHERE ${pod})`);
      args.push(...[f.pod_namespace, f.pod_name].filter(Boolean));
    }
    const since = f?.since_unix_nano && f.since_unix_nano !== '0' ? nsToUs(f.since_unix_nano) : undefined;
    const until = f?.until_unix_nano && f.until_unix_nano !== '0' ? nsToUs(f.until_unix_nano) : undefined;
    if (since !== undefined && until !== undefined && since > until)
      throw new VigilError('INVALID_ARGUMENT', 'the time range ends before it starts');
    // Batches know their events' id ranges and times: they bound the rowid
    // range to scan, so a time filter needs no index over every event.
    if (since !== undefined) {
      where.push('e.ts_us >= ? AND e.id >= (SELECT coalesce(min(first_event_id), 0) FROM batches WHERE max_ts_us >= ?)');
      args.push(since, since);
    }
    if (until !== undefined) {
      where.push('e.ts_us <= ? AND e.id <= (SELECT coalesce(max(last_event_id), 0) FROM batches WHERE min_ts_us <= ?)');
      args.push(until, until);
    }
    if (pageToken) {
      if (!/^\d+$/.test(pageToken)) throw new VigilError('INVALID_ARGUMENT', `page token "${pageToken}" is not one this server gave out`);
      where.push('e.id < ?');
      args.push(Number(pageToken));
    }
    const sql = `SELECT e.id, n.name AS node, e.batch_seq AS seq, e.body, a.body AS ancestry FROM events e JOIN nodes n ON n.id = e.node_id ${JOIN_ANCESTRY}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).safeIntegers(true).all(...args, pageSize + 1) as { id: bigint; node: string; seq: bigint; body: Buffer; ancestry: Buffer | null }[];
    const page = rows.slice(0, pageSize);
    const { decode } = eventCodec();
    return {
      events: page.map((r) => ({ id: String(r.id), node_name: r.node, batch_seq: String(r.seq), event: decode(storedEventBytes(r.body, r.ancestry)) })),
      nextPageToken: rows.length > pageSize ? String(page[page.length - 1].id) : '',
    };
  }
}
