/**
 * Credentials issued to sensors (one per node), readers and audit senders.
 * A token is shown once, when it is made; the store keeps its SHA-256.
 */
import * as crypto from 'node:crypto';
import type { Db } from './db';
import { nowUs } from './time';

export type IssuedRole = 'sensor' | 'reader' | 'audit';

export interface Credential {
  id: number;
  role: IssuedRole;
  name: string;
  created_us: number;
  revoked_us: number | null;
}

export function tokenHash(token: string): Buffer {
  return crypto.createHash('sha256').update(token).digest();
}

export class CredentialsRepo {
  private readonly byHash;

  constructor(private readonly db: Db) {
    this.byHash = db.prepare('SELECT id, role, name, created_us, revoked_us FROM credentials WHERE token_sha256 = ?');
  }

  /**
   * A new credential; the token (`vgl_<role>_…`, or `given`: one made
   * elsewhere) is returned once and not stored.
   */
  issue(role: IssuedRole, name: string, given?: string): { id: number; token: string } {
    const token = given ?? `vgl_${role}_${crypto.randomBytes(32).toString('base64url')}`;
    const id = Number(this.db.prepare('INSERT INTO credentials (role, name, token_sha256, created_us) VALUES (?, ?, ?, ?)').run(role, name, tokenHash(token), nowUs()).lastInsertRowid);
    return { id, token };
  }

  /** The live credential a token is, or undefined (unknown or revoked). */
  find(token: string): Credential | undefined {
    const c = this.byHash.get(tokenHash(token)) as Credential | undefined;
    return c && c.revoked_us === null ? c : undefined;
  }

  list(): Credential[] {
    return this.db.prepare('SELECT id, role, name, created_us, revoked_us FROM credentials ORDER BY id').all() as Credential[];
  }

  /** Revokes credential `id`; false when there is no such live credential. */
  revoke(id: number): boolean {
    return this.db.prepare('UPDATE credentials SET revoked_us = ? WHERE id = ? AND revoked_us IS NULL').run(nowUs(), id).changes === 1;
  }
}
