import type { Exec__Output } from '../../../proto/generated/vigil/v1/Exec';
import type { ExecutedFile__Output } from '../../../proto/generated/vigil/v1/ExecutedFile';
import type { RecordLayout } from '../../../native';
import type { RecordReader } from './record-reader';
import { isDescriptorPath } from '../../../proto/descriptor-path';

/**
 * The kernel's dev_t (12-bit major << 20 | 20-bit minor) in stat(2)'s st_dev
 * encoding (glibc makedev). With a major that small the value stays under
 * 2^44, so plain numbers hold it exactly.
 */
function userDev(kernelDev: number): number {
  const major = kernelDev >>> 20;
  const minor = kernelDev & 0xfffff;
  return (minor & 0xfff00) * 4096 + major * 256 + (minor & 0xff);
}

function decodeExeFile(r: RecordReader, layout: RecordLayout, base: number, field: string): ExecutedFile__Output | null {
  const f = layout.exe;
  const bits = layout.exeFlags;
  const flags = r.u32(base + f.flags, `${field}.flags`);
  if ((flags & bits.present) === 0) return null;
  const links = r.u32(base + f.nlink, `${field}.nlink`);
  const memfd = (flags & bits.memfd) !== 0;
  return {
    layer: (flags & bits.overlay) === 0
      ? 'LAYER_NOT_OVERLAY'
      : (flags & bits.upper) !== 0
        ? 'LAYER_UPPER'
        : (flags & bits.layerUnreadable) !== 0
          ? 'LAYER_UNKNOWN'
          : 'LAYER_LOWER',
    inode: r.u64(base + f.ino, `${field}.ino`),
    device: String(userDev(r.u32(base + f.dev, `${field}.dev`))),
    size: r.u64(base + f.size, `${field}.size`),
    links,
    memfd,
    deleted: links === 0 && !memfd,
    name: r.cstr(base + f.name, layout.limits.dname, `${field}.name`),
  };
}

export function decodeExec(r: RecordReader, layout: RecordLayout): Exec__Output {
  const f = layout.exec;
  const flags = r.u32(f.flags, 'exec.flags');
  const argsLen = Math.min(r.u32(f.args_len, 'exec.args_len'), layout.limits.args);
  const args = r.bytes(f.args, argsLen, 'exec.args');
  // argv is NUL-separated with a trailing NUL; a cut copy may end mid-string.
  const argv = argsLen === 0 ? [] : args.toString('utf8').replace(/\0$/, '').split('\0');
  const filename = r.cstr(f.filename, layout.limits.filename, 'exec.filename');
  const interpreted = (flags & layout.execInterpreted) !== 0;
  return {
    filename,
    argv,
    argc: r.u32(f.argc, 'exec.argc'),
    argv_truncated: (flags & layout.execArgsTruncated) !== 0,
    filename_truncated: (flags & layout.execFilenameTruncated) !== 0,
    euid: r.u32(f.euid, 'exec.euid'),
    cap_effective: r.u64(f.cap_effective, 'exec.cap_effective'),
    has_tty: r.u32(f.has_tty, 'exec.has_tty') !== 0,
    parent_comm: r.cstr(f.parent_comm, layout.limits.comm, 'exec.parent_comm'),
    binary: decodeExeFile(r, layout, f.binary, 'exec.binary'),
    script: interpreted ? decodeExeFile(r, layout, f.script, 'exec.script') : null,
    interpreter: interpreted ? r.cstr(f.interp, layout.limits.path, 'exec.interp') : '',
    via_fd: isDescriptorPath(filename),
  };
}
