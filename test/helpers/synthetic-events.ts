/** Well-formed Event messages without a kernel, for control-plane tests. */
import { toBatchRows, type BatchRows } from '../../controlplane/src/store/events-repo';
import { NO_DETAILS } from '../../sensor/src/identity/cri-client';
import type { ContainerDetails__Output } from '../../proto/generated/vigil/v1/ContainerDetails';
import type { ProcessNode__Output } from '../../proto/generated/vigil/v1/ProcessNode';
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import type { EventFilter__Output } from '../../proto/generated/vigil/v1/EventFilter';
import type { ExecutedFile__Output } from '../../proto/generated/vigil/v1/ExecutedFile';
import type { FileAccess__Output } from '../../proto/generated/vigil/v1/FileAccess';
import { eventCodec } from '../../proto/loader';

export interface ExecSpec {
  pid?: number;
  ppid?: number;
  filename?: string;
  argv?: string[];
  containerId?: string;
  tty?: boolean;
  parentComm?: string;
  uid?: number;
  timeNs?: bigint;
  /** pid in the process's own pid namespace: 1 for a container's entrypoint (default: the pid, as on the host). */
  nsPid?: number;
  comm?: string;
  ancestry?: ProcessNode__Output[];
  /** What the kernel read from the loaded file; default: an image-layer binary. */
  binary?: Partial<ExecutedFile__Output>;
  /** For a script: its own file; setting it makes the exec interpreted. */
  script?: Partial<ExecutedFile__Output>;
  interpreter?: string;
  viaFd?: boolean;
}

export function executedFile(f: Partial<ExecutedFile__Output> = {}): ExecutedFile__Output {
  return { layer: 'LAYER_LOWER', inode: '1234', device: '66305', size: '35000', links: 1, memfd: false, deleted: false, name: 'true', ...f };
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export function execEvent(s: ExecSpec = {}): Event__Output {
  const filename = s.filename ?? '/bin/true';
  const comm = s.comm ?? filename.slice(filename.lastIndexOf('/') + 1).slice(0, 15);
  return {
    body: 'exec',
    boot_ns: '1000',
    time_unix_nano: String(s.timeNs ?? nowNs()),
    process: { pid: s.pid ?? 4242, tid: s.pid ?? 4242, ppid: s.ppid ?? 1, uid: s.uid ?? 0, gid: 0, comm, exe: filename, argv: s.argv ?? [filename], ns_pid: s.nsPid ?? s.pid ?? 4242 },
    container: { cgroup_id: '77', cgroup_name: s.containerId ?? '', id: s.containerId ?? '', name: '', image: '', pod_name: '', pod_namespace: '', pod_uid: '', metadata_incomplete: false },
    namespaces: { mnt: 1, pid: 2, net: 3 },
    ancestry: s.ancestry ?? [],
    exec: {
      filename,
      argv: s.argv ?? [filename],
      argc: (s.argv ?? [filename]).length,
      argv_truncated: false,
      filename_truncated: false,
      euid: s.uid ?? 0,
      cap_effective: '0',
      has_tty: s.tty ?? false,
      parent_comm: s.parentComm ?? 'nginx',
      binary: executedFile({ name: comm, ...s.binary }),
      script: s.script ? executedFile(s.script) : null,
      interpreter: s.interpreter ?? (s.script ? '/bin/sh' : ''),
      via_fd: s.viaFd ?? false,
    },
  };
}

/** A file access as the sensor reports it; default: cat reading the service-account token in a container. */
export function fileEvent(f: Partial<FileAccess__Output> = {}, s: Pick<ExecSpec, 'pid' | 'ppid' | 'containerId' | 'timeNs' | 'uid'> = {}): Event__Output {
  const base = execEvent({ filename: '/bin/cat', ...s });
  const path = f.path ?? '/var/run/secrets/kubernetes.io/serviceaccount/token';
  return {
    ...base,
    body: 'file',
    exec: null,
    file: {
      call: 'CALL_OPENAT',
      access: 'ACCESS_READ',
      path,
      watched: '/var/run/secrets/kubernetes.io/serviceaccount/',
      category: 'service-account-token',
      result: 3,
      flags: 0,
      name: path,
      other_name: '',
      dirfd: -100,
      resolution: 'RESOLUTION_AS_GIVEN',
      path_truncated: false,
      ...f,
    },
  };
}

export const CONTAINER_ID = 'c0ffee'.padEnd(64, '0');

/**
 * An exec that the shell-in-container rule alerts on, its command told apart
 * by a word made from the pid (g-p for 0-9): alerts merge repeats whose
 * commands differ only in numbers, and each of these is a different command.
 */
export function shellInContainer(pid: number, ppid = 7000): Event__Output {
  const word = String(pid).replace(/\d/g, (d) => String.fromCharCode(103 + Number(d)));
  return execEvent({ pid, ppid, filename: '/bin/sh', argv: ['sh', '-c', `id; echo step-${word}`], containerId: CONTAINER_ID });
}

/**
 * A shell in a container whose command differs from every other's in
 * letters, not digits: alerts merge repeats that differ only in numbers, so
 * each of these raises an alert of its own.
 */
export function distinctShellInContainer(n: number): Event__Output {
  const word = n.toString(26).replace(/[0-9]/g, (d) => 'qrstuvwxyz'[Number(d)]);
  return execEvent({ pid: 100_000 + n, ppid: 7000, filename: '/bin/sh', argv: ['sh', '-c', `id; echo ${word}`], containerId: CONTAINER_ID });
}

export interface PodRef {
  containerId: string;
  namespace: string;
  pod: string;
  podUid: string;
  name?: string;
  image?: string;
}

/** Container identity as the sensor's metadata stage fills it in. */
function inPod(ev: Event__Output, p: PodRef): Event__Output {
  return { ...ev, container: { ...ev.container!, id: p.containerId, cgroup_name: p.containerId, name: p.name ?? 'app', image: p.image ?? 'registry.example.com/web:1', pod_name: p.pod, pod_namespace: p.namespace, pod_uid: p.podUid, metadata_incomplete: false } };
}

export function execInPod(p: PodRef, spec: ExecSpec): Event__Output {
  return inPod(execEvent(spec), p);
}

export function containerStarted(p: PodRef, details: { privileged?: boolean; hostPaths?: string[] } & Partial<ContainerDetails__Output> = {}): Event__Output {
  const base = inPod(execEvent(), p);
  const { privileged, hostPaths, ...rest } = details;
  return {
    ...base,
    body: 'container_started',
    exec: null,
    process: null,
    container_started: {
      details: {
        ...NO_DETAILS,
        image_digest: 'sha256:00',
        privileged: !!privileged,
        host_mounts: (hostPaths ?? []).map((h) => ({ host_path: h, container_path: `/host${h}`, readonly: false })),
        started_at_unix_nano: base.time_unix_nano,
        init_pid: 5000,
        sandbox_id: 'f'.repeat(64),
        source: 'cri',
        ...rest,
      },
    },
  };
}

/** Events as the writer stores them, encoded as a sensor would. */
export function batchRowsOf(events: Event__Output[]): BatchRows {
  return toBatchRows(events, events.map((e) => eventCodec().encode(e)));
}

/** A query filter: everything unset but what `f` says. */
export function eventFilter(f: Partial<EventFilter__Output>): EventFilter__Output {
  return { type: 'EVENT_TYPE_UNSPECIFIED', since_unix_nano: '0', until_unix_nano: '0', pid: 0, container_id: '', node_name: '', pod_namespace: '', pod_name: '', ...f };
}

export interface ProcessSpec {
  pid?: number;
  ppid?: number;
  nsPid?: number;
  exe?: string;
  argv?: string[];
  containerId?: string;
  image?: string;
}

function processEvent(body: 'connect' | 'mount', s: ProcessSpec): Event__Output {
  const base = execEvent({ pid: s.pid, ppid: s.ppid, nsPid: s.nsPid, filename: s.exe ?? '/usr/bin/curl', argv: s.argv, containerId: s.containerId });
  return { ...base, body, exec: null, ancestry: [], container: { ...base.container!, image: s.image ?? '' } };
}

/** A connect(2) as the sensor reports it; IPv6 when the address has a colon. */
export function connectEvent(address: string, port: number, s: ProcessSpec & { result?: number } = {}): Event__Output {
  return { ...processEvent('connect', s), connect: { result: s.result ?? 0, fd: 3, destination: { family: address.includes(':') ? 'FAMILY_INET6' : 'FAMILY_INET', address, port, raw_family: address.includes(':') ? 10 : 2 } } };
}

/** A mount(2) as the sensor reports it. */
export function mountEvent(source: string, target: string, fstype: string, s: ProcessSpec & { flags?: number; result?: number } = {}): Event__Output {
  return { ...processEvent('mount', { exe: '/bin/mount', ...s }), mount: { call: 'CALL_MOUNT', source, target, fstype, flags: String(s.flags ?? 0), result: s.result ?? 0, fd: -1 } };
}
