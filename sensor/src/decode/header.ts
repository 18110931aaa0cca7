/** The common header every record starts with: process, cgroup, namespaces. */
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import type { RecordLayout } from '../../../native';
import { containerIdFromCgroupName } from '../identity/cgroup-to-container';
import type { RecordReader, Uint64Halves } from './record-reader';

export type DecodedEvent = Event__Output;

export function decodeHeader(r: RecordReader, layout: RecordLayout, bootToUnixNs: Uint64Halves): DecodedEvent {
  const h = layout.hdr;
  const cgroupName = r.cstr(h.cgroup_name, layout.limits.cgroupName, 'cgroup_name');
  return {
    boot_ns: r.u64(h.boot_ns, 'boot_ns'),
    time_unix_nano: r.u64Plus(h.boot_ns, bootToUnixNs, 'boot_ns'),
    process: {
      pid: r.u32(h.tgid, 'tgid'),
      tid: r.u32(h.pid, 'pid'),
      ppid: r.u32(h.ppid, 'ppid'),
      uid: r.u32(h.uid, 'uid'),
      gid: r.u32(h.gid, 'gid'),
      comm: r.cstr(h.comm, layout.limits.comm, 'comm'),
      ns_pid: r.u32(h.ns_pid, 'ns_pid'),
      exe: '',
      argv: [],
    },
    container: {
      cgroup_id: r.u64(h.cgroup_id, 'cgroup_id'),
      cgroup_name: cgroupName,
      id: containerIdFromCgroupName(cgroupName),
      name: '',
      image: '',
      pod_name: '',
      pod_namespace: '',
      pod_uid: '',
      metadata_incomplete: false,
    },
    namespaces: {
      mnt: r.u32(h.mnt_ns, 'mnt_ns'),
      pid: r.u32(h.pid_ns, 'pid_ns'),
      net: r.u32(h.net_ns, 'net_ns'),
    },
    ancestry: [],
    // Every kernel kind's slot, empty: events of all kinds then share one
    // shape, and the stages after (the encoder above all) read their fields
    // at monomorphic speed instead of through a megamorphic lookup each.
    body: undefined,
    exec: undefined,
    fork: undefined,
    exit: undefined,
    connect: undefined,
    mount: undefined,
    file: undefined,
  };
}
