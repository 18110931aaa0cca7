/** A real control plane on a unix socket in a temp data dir, in this process. */
import Database from 'better-sqlite3';
import * as path from 'node:path';
import { startControlPlane, type ControlPlaneOptions, type RunningControlPlane } from '../../controlplane/src/main';
import { tempDir } from './temp-dir';

export interface TestControlPlane extends RunningControlPlane {
  dataDir: string;
  target: string;
  /** A second, read-only connection to the store, as an auditor would open it. */
  query<T>(sql: string, ...args: unknown[]): T[];
}

export async function startTestControlPlane(o: Partial<ControlPlaneOptions> = {}): Promise<TestControlPlane> {
  const dataDir = o.dataDir ?? tempDir('vigil-cp-');
  const cp = await startControlPlane({ dataDir, log: () => undefined, ...o });
  return {
    ...cp,
    dataDir,
    target: `unix://${cp.socketPath}`,
    query<T>(sql: string, ...args: unknown[]): T[] {
      const db = new Database(path.join(dataDir, 'vigil.db'), { readonly: true });
      try {
        return db.prepare(sql).all(...args) as T[];
      } finally {
        db.close();
      }
    },
  };
}
