import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { countersPinFor } from '../../sensor/src/counters-pin';

const made: string[] = [];
// Test processes end by exiting: remove what they made then, whatever passed,
// with the kernel counters a sensor pinned for an outbox in it (its default
// place, <data-dir>/sensor, or the dir itself), which outlive any process.
process.on('exit', () => {
  for (const dir of made) {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const outbox of [dir, path.join(dir, 'sensor')]) fs.rmSync(path.dirname(countersPinFor(outbox)), { recursive: true, force: true });
  }
});

export function tempDir(prefix = 'vigil-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
