import type { Mount__Output } from '../../../proto/generated/vigil/v1/Mount';
import type { RecordLayout } from '../../../native';
import type { RecordReader } from './record-reader';

export function decodeMount(r: RecordReader, layout: RecordLayout): Mount__Output {
  const f = layout.mount;
  const calls = layout.mountCalls;
  const call = r.u32(f.call, 'mount.call');
  return {
    call: call === calls.mount ? 'CALL_MOUNT' : call === calls.moveMount ? 'CALL_MOVE_MOUNT' : call === calls.fsmount ? 'CALL_FSMOUNT' : 'CALL_UNSPECIFIED',
    source: r.cstr(f.source, layout.limits.path, 'mount.source'),
    target: r.cstr(f.target, layout.limits.path, 'mount.target'),
    fstype: r.cstr(f.fstype, layout.limits.fstype, 'mount.fstype'),
    flags: r.u64(f.flags, 'mount.flags'),
    result: r.s32(f.result, 'mount.result'),
    fd: r.s32(f.fd, 'mount.fd'),
  };
}
