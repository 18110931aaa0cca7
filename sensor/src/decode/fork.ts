import type { Fork__Output } from '../../../proto/generated/vigil/v1/Fork';
import type { RecordLayout } from '../../../native';
import type { RecordReader } from './record-reader';

export function decodeFork(r: RecordReader, layout: RecordLayout): Fork__Output {
  return { child_pid: r.u32(layout.fork.child_tgid, 'fork.child_tgid') };
}
