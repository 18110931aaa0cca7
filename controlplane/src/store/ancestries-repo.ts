/**
 * Each exec's ancestry (up to 8 processes with their command lines) stored
 * once, not in every exec that carries it: every exec of one parent carries
 * the same bytes, and they were most of an exec's row (1.7 of 2.1 kB here).
 * The sensor encodes an event's ancestors after its other fields, and
 * protobuf reads a message's fields in any order, so an event is stored as
 * its bytes up to its first ancestor plus a reference, and read back as
 * those bytes followed by the ancestry's: the same message.
 *
 * A row lives as long as the newest event that refers to it: each batch
 * that refers to a row moves the row's `last_event_id` up to the batch's
 * last event, and retention deletes the rows no remaining event reaches.
 */
import { BoundedByBytes, sampledHash } from '../../../proto/bytes-cache';
import { messageType } from '../../../proto/loader';
import type { Db } from './db';

/** What a stored event's reader joins: `a.body` is its ancestry's bytes, NULL when its body holds them. */
export const JOIN_ANCESTRY = 'LEFT JOIN ancestries a ON a.id = e.ancestry_ref';

/** An event's bytes as the sensor sent them, from its row and its ancestry's. */
export function storedEventBytes(body: Buffer, ancestry: Buffer | null): Buffer {
  return ancestry ? Buffer.concat([body, ancestry]) : body;
}

const ANCESTRY_FIELD = messageType('vigil.v1.Event').fields.ancestry.id;
const LENGTH_DELIMITED = 2;

/**
 * Where `body`'s ancestry starts: the offset of its first ancestry field
 * when every field from there on is one; `body.length` when it has none, or
 * another field follows one (an encoder other than the sensor's, which the
 * store then keeps whole).
 */
export function ancestryStart(body: Uint8Array): number {
  let at = 0;
  let start = -1;
  while (at < body.length) {
    const field = at;
    const key = varint(body, at);
    at = varintEnd;
    const wire = key & 7;
    if (wire === LENGTH_DELIMITED) {
      const length = varint(body, at);
      at = varintEnd + length;
    } else if (wire === 0) {
      varint(body, at);
      at = varintEnd;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else return body.length; // groups: not what an Event has
    if (key === ((ANCESTRY_FIELD << 3) | LENGTH_DELIMITED)) {
      if (start < 0) start = field;
    } else start = -1;
  }
  return start < 0 || at !== body.length ? body.length : start;
}

/** Where the varint varint() last read ends: a second result, without an array per field of every event stored. */
let varintEnd = 0;

/** The varint at `at` (up to 2^53, more than any length or key here); one cut short ends past the body. */
function varint(b: Uint8Array, at: number): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (at >= b.length) {
      varintEnd = b.length + 1;
      return value;
    }
    const byte = b[at++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      varintEnd = at;
      return value;
    }
    scale *= 128;
  }
}

/** Ancestries remembered by their bytes: a repeat is referred to without looking it up in the store. */
const KNOWN = 4096;
const KNOWN_BYTES = 8 * 1024 * 1024;

export class AncestriesRepo {
  private readonly known = new BoundedByBytes<number>(KNOWN, KNOWN_BYTES);
  /** Rows whose last_event_id the current batch already moved up. */
  private readonly moved = new Set<number>();
  private readonly insert;
  private readonly moveUp;

  constructor(db: Db) {
    this.insert = db.prepare('INSERT INTO ancestries (last_event_id, body) VALUES (?, ?)');
    this.moveUp = db.prepare('UPDATE ancestries SET last_event_id = ? WHERE id = ?');
  }

  /** Call at the start of each batch's transaction. */
  beginBatch(): void {
    this.moved.clear();
  }

  /**
   * The id of a row holding `buf[start, end)`, kept at least up to event
   * `lastEventId`. Inside the batch's transaction: a row retention deleted
   * since it was remembered moves nothing, and is written again.
   */
  refer(buf: Buffer, start: number, end: number, lastEventId: number): number {
    const hash = sampledHash(buf, start, end);
    const id = this.known.get(buf, start, end, hash);
    if (id !== undefined && (this.moved.has(id) || this.moveUp.run(lastEventId, id).changes === 1)) {
      this.moved.add(id);
      return id;
    }
    if (id !== undefined) this.known.take(buf, start, end, hash);
    const added = Number(this.insert.run(lastEventId, buf.subarray(start, end)).lastInsertRowid);
    this.known.set(buf, start, end, hash, added);
    this.moved.add(added);
    return added;
  }

  /**
   * Forgets every id remembered: after a transaction that failed, a row it
   * wrote is gone and its id may be given to other bytes.
   */
  forget(): void {
    this.known.clear();
  }
}

/** Deletes the ancestries no remaining event refers to (retention, after it deleted events); returns how many. */
export function deleteUnreferencedAncestries(db: Db): number {
  return db.prepare('DELETE FROM ancestries WHERE last_event_id < (SELECT coalesce(min(id), 9223372036854775807) FROM events)').run().changes;
}
