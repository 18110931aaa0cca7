/**
 * A container's OCI runtime spec (config.json in its bundle), which every
 * runtime keeps on the node: containerd (Kubernetes, ctr, nerdctl, Docker),
 * CRI-O and Podman. It says what the CRI cannot for containers outside
 * Kubernetes, and what it leaves out for those inside: capabilities,
 * privileges, bind mounts, namespaces, the environment.
 *
 * The bundle is found through the container's own processes: a containerd
 * shim runs in the bundle of its pod's first container, next to the others'
 * (`<task root>/<namespace>/<id>/`), and conmon names its bundle with -b.
 * Reading through /proc/<shim>/cwd and /proc/<pid>/root works from any mount
 * namespace, so the sensor in a DaemonSet pod needs no extra host mounts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostMount__Output } from '../../../proto/generated/vigil/v1/HostMount';
import { formatHostPort } from '../../../proto/host-port';

/** Bundle directories of the usual installations, as the node sees them. */
export const DEFAULT_BUNDLE_ROOTS = [
  '/run/containerd/io.containerd.runtime.v2.task',
  '/run/k3s/containerd/io.containerd.runtime.v2.task',
  '/run/docker/containerd/daemon/io.containerd.runtime.v2.task',
  '/var/run/containers/storage/overlay-containers',
  '/var/lib/containers/storage/overlay-containers',
];

/** Capabilities every container gets from containerd, Docker, CRI-O and Podman by default. */
const DEFAULT_CAPABILITIES = new Set(['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE']);
/** A container holding at least this many capabilities was given all of them. */
const ALL_CAPABILITIES = 38;

export interface OciFacts {
  /** The config.json that was read. */
  specPath: string;
  /** containerd namespace (k8s.io, moby, default), or "containers-storage" for CRI-O and Podman. */
  runtimeNamespace: string;
  privileged: boolean;
  /** Effective capabilities, without the CAP_ prefix. */
  capabilities: string[];
  /** Those beyond the runtimes' default set. */
  addedCapabilities: string[];
  hostMounts: HostMount__Output[];
  hostNetwork: boolean;
  hostPid: boolean;
  hostIpc: boolean;
  /** KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT from the environment, bracketed for IPv6. */
  kubernetesService: string;
  /** What the CRI wrote into the annotations, for when the CRI itself cannot answer. */
  annotations: Record<string, string>;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function envValue(env: unknown[], name: string): string {
  const prefix = `${name}=`;
  const hit = env.find((e) => typeof e === 'string' && e.startsWith(prefix));
  return hit ? (hit as string).slice(prefix.length) : '';
}

/** The facts of one config.json; throws when it cannot be read or is not a spec. */
export function readOciSpec(specPath: string, runtimeNamespace: string): OciFacts {
  return ociFacts(JSON.parse(fs.readFileSync(specPath, 'utf8')), specPath, runtimeNamespace);
}

/**
 * The facts of a spec already parsed (containerd's CRI also hands it out in
 * its verbose status); `specPath` says where it came from.
 */
export function ociFacts(parsed: unknown, specPath: string, runtimeNamespace: string): OciFacts {
  const spec = obj(parsed);
  const proc = obj(spec.process);
  const linux = obj(spec.linux);
  if (!spec.ociVersion || !spec.process) throw new Error(`${specPath} is not an OCI runtime spec`);
  const capabilities = arr(obj(proc.capabilities).effective).map((c) => str(c).replace(/^CAP_/, '')).filter(Boolean);
  const namespaces = new Set(arr(linux.namespaces).map((n) => str(obj(n).type)));
  const env = arr(proc.env);
  const host = envValue(env, 'KUBERNETES_SERVICE_HOST');
  const port = envValue(env, 'KUBERNETES_SERVICE_PORT');
  return {
    specPath,
    runtimeNamespace,
    // Privileged runtimes hand out every capability and mask no /proc path.
    privileged: capabilities.length >= ALL_CAPABILITIES && arr(linux.maskedPaths).length === 0,
    capabilities,
    addedCapabilities: capabilities.filter((c) => !DEFAULT_CAPABILITIES.has(c)),
    hostMounts: arr(spec.mounts)
      .map(obj)
      .filter((m) => str(m.type) === 'bind' || arr(m.options).some((o) => o === 'bind' || o === 'rbind'))
      .map((m) => ({ host_path: str(m.source), container_path: str(m.destination), readonly: arr(m.options).includes('ro') }))
      .filter((m) => m.host_path.startsWith('/')),
    hostNetwork: !namespaces.has('network'),
    hostPid: !namespaces.has('pid'),
    hostIpc: !namespaces.has('ipc'),
    kubernetesService: host && port ? formatHostPort(host, port) : '',
    annotations: Object.fromEntries(Object.entries(obj(spec.annotations)).filter(([, v]) => typeof v === 'string')) as Record<string, string>,
  };
}

/** The parent pid and name of a process, from /proc. */
function statOf(procRoot: string, pid: number): { ppid: number; comm: string } | undefined {
  try {
    const stat = fs.readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    return { comm: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(stat.slice(close + 2).split(' ')[1]) };
  } catch {
    return undefined;
  }
}

function exists(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

interface Found {
  spec: string;
  ns: string;
}

export class OciSpecLocator {
  constructor(
    /** Extra bundle roots (--oci-bundle-root), searched before the defaults. */
    private readonly roots: readonly string[] = [],
    private readonly procRoot = '/proc',
  ) {}

  /** Where the runtime process above `pid` keeps container `id`'s spec. */
  private viaRuntimeProcess(id: string, pid: number): Found | undefined {
    for (let cur = pid, depth = 0; cur > 1 && depth < 12; depth++) {
      const s = statOf(this.procRoot, cur);
      if (!s) return undefined;
      try {
        if (s.comm.startsWith('containerd-shim')) {
          // The shim's cwd is its pod's first bundle, <task root>/<namespace>/<id>; the others sit beside it.
          const spec = `${this.procRoot}/${cur}/cwd/../${id}/config.json`;
          const ns = path.basename(path.dirname(fs.readlinkSync(`${this.procRoot}/${cur}/cwd`)));
          return exists(spec) ? { spec, ns } : undefined;
        }
        if (s.comm === 'conmon') {
          const args = fs.readFileSync(`${this.procRoot}/${cur}/cmdline`, 'utf8').split('\0');
          const i = args.findIndex((a) => a === '-b' || a === '--bundle');
          const spec = i >= 0 ? `${this.procRoot}/${cur}/root${args[i + 1]}/config.json` : '';
          return spec && exists(spec) ? { spec, ns: 'containers-storage' } : undefined;
        }
      } catch {
        return undefined; // the runtime process is gone
      }
      cur = s.ppid;
    }
    return undefined;
  }

  private viaRoots(id: string): Found | undefined {
    // Through pid 1's root: the node's filesystem, also from inside the sensor's pod (hostPID).
    for (const root of [...this.roots, ...DEFAULT_BUNDLE_ROOTS].map((r) => `${this.procRoot}/1/root${r}`)) {
      const storage = path.join(root, id, 'userdata', 'config.json');
      if (exists(storage)) return { spec: storage, ns: 'containers-storage' };
      let namespaces: string[];
      try {
        namespaces = fs.readdirSync(root);
      } catch {
        continue;
      }
      for (const ns of namespaces) {
        const spec = path.join(root, ns, id, 'config.json');
        if (exists(spec)) return { spec, ns };
      }
    }
    return undefined;
  }

  /** The facts of container `id`'s spec (`pids`: some of its processes), or undefined when none is found. */
  find(id: string, pids: readonly number[]): OciFacts | undefined {
    let found: Found | undefined;
    for (const pid of pids) if ((found = this.viaRuntimeProcess(id, pid))) break;
    found ??= this.viaRoots(id);
    if (!found) return undefined;
    try {
      return readOciSpec(found.spec, found.ns);
    } catch {
      return undefined; // removed while reading: the container is gone
    }
  }
}
