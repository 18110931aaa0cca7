/** Where a sensor's kernel counters are pinned in bpffs: one map per outbox directory, so two sensors never share one. */
import { createHash } from 'node:crypto';
import * as path from 'node:path';

export function countersPinFor(outboxDir: string): string {
  return `/sys/fs/bpf/vigil/${createHash('sha256').update(path.resolve(outboxDir)).digest('hex').slice(0, 16)}/counters`;
}
