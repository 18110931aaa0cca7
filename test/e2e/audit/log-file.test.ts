import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { auditEvent } from '../../../controlplane/src/audit/audit-event-builder';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';
import { tempDir } from '../../helpers/temp-dir';

const line = (n: number) => `${JSON.stringify(auditEvent({ verb: 'get', resource: 'configmaps', namespace: 'ns', name: `cm-${n}` }))}\n`;

async function waitStored(cp: TestControlPlane, n: number, ms = 10_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const names = cp.query<{ name: string }>('SELECT name FROM audit_events ORDER BY id').map((r) => r.name);
    if (names.length >= n || Date.now() > deadline) return names;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('audit log file', { timeout: 60_000 }, () => {
  test('tails, follows rotation, and resumes after a restart without re-reading or skipping', async () => {
    const logDir = tempDir('vigil-auditlog-');
    const file = path.join(logDir, 'audit.log');
    const dataDir = tempDir('vigil-cp-');
    fs.writeFileSync(file, line(0) + line(1));
    let cp = await startTestControlPlane({ dataDir, auditLog: file });
    assert.deepEqual(await waitStored(cp, 2), ['cm-0', 'cm-1']);

    // A partly written line waits for its newline.
    fs.appendFileSync(file, line(2) + line(3).slice(0, 20));
    await waitStored(cp, 3);
    fs.appendFileSync(file, line(3).slice(20));
    assert.deepEqual(await waitStored(cp, 4), ['cm-0', 'cm-1', 'cm-2', 'cm-3']);

    // Rotation as the API server does it: rename, then a new file.
    fs.appendFileSync(file, line(4));
    await waitStored(cp, 5);
    await cp.stop();
    fs.appendFileSync(file, line(5)); // written while the control plane was down
    fs.renameSync(file, path.join(logDir, 'audit-2026-11-28T10-00-00.000.log'));
    fs.writeFileSync(file, line(6) + '{"broken json\n' + line(7));

    cp = await startTestControlPlane({ dataDir, auditLog: file });
    const names = await waitStored(cp, 8);
    await cp.stop();
    assert.deepEqual(names, ['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5', 'cm-6', 'cm-7'], 'each event exactly once, the rotated file finished first');
  });
});
