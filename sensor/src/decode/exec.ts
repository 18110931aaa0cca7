import type { Exec__Output } from '../../../proto/generated/vigil/v1/Exec';
import type { RecordLayout } from '../../../native';
import type { RecordReader } from './record-reader';

export function decodeExec(r: RecordReader, layout: RecordLayout): Exec__Output {
  const f = layout.exec;
  const flags = r.u32(f.flags, 'exec.flags');
  const argsLen = Math.min(r.u32(f.args_len, 'exec.args_len'), layout.limits.args);
  const args = r.bytes(f.args, argsLen, 'exec.args');
  // argv is NUL-separated with a trailing NUL; a cut copy may end mid-string.
  const argv = argsLen === 0 ? [] : args.toString('utf8').replace(/\0$/, '').split('\0');
  return {
    filename: r.cstr(f.filename, layout.limits.filename, 'exec.filename'),
    argv,
    argc: r.u32(f.argc, 'exec.argc'),
    argv_truncated: (flags & layout.execArgsTruncated) !== 0,
    filename_truncated: (flags & layout.execFilenameTruncated) !== 0,
    euid: r.u32(f.euid, 'exec.euid'),
    cap_effective: r.u64(f.cap_effective, 'exec.cap_effective').toString(),
    has_tty: r.u32(f.has_tty, 'exec.has_tty') !== 0,
    parent_comm: r.cstr(f.parent_comm, layout.limits.comm, 'exec.parent_comm'),
  };
}
