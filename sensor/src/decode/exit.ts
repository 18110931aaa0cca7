import type { Exit__Output } from '../../../proto/generated/vigil/v1/Exit';
import type { RecordLayout } from '../../../native';
import type { RecordReader } from './record-reader';

export function decodeExit(r: RecordReader, layout: RecordLayout): Exit__Output {
  const status = r.s32(layout.exit.exit_code, 'exit.exit_code');
  // The kernel keeps the wait(2) status word: signal in the low 7 bits,
  // exit code in the next byte.
  const signal = status & 0x7f;
  return { status, signal, code: signal === 0 ? (status >> 8) & 0xff : 0 };
}
