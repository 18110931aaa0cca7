/**
 * Container metadata from the node's container runtime over the CRI
 * (runtime.v1): one ContainerStatus and one PodSandboxStatus per container,
 * both verbose. Works with containerd, k3s and CRI-O; the socket is found at
 * the usual paths or given.
 */
import * as grpc from '@grpc/grpc-js';
import { criCall, criRuntimeClient } from '../../../proto/cri-runtime';
import type { RuntimeServiceClient } from '../../../proto/generated/runtime/v1/RuntimeService';
import type { ContainerDetails__Output } from '../../../proto/generated/vigil/v1/ContainerDetails';
import type { PodSandboxStatusResponse__Output } from '../../../proto/generated/runtime/v1/PodSandboxStatusResponse';
import type { ListContainersResponse__Output } from '../../../proto/generated/runtime/v1/ListContainersResponse';
import type { ListPodSandboxResponse__Output } from '../../../proto/generated/runtime/v1/ListPodSandboxResponse';
import type { ContainerStatusResponse__Output } from '../../../proto/generated/runtime/v1/ContainerStatusResponse';

export interface ContainerMetadata {
  name: string;
  image: string;
  podName: string;
  podNamespace: string;
  podUid: string;
  details: ContainerDetails__Output;
  /** The OCI runtime spec, when the runtime's verbose status includes it (containerd does). */
  runtimeSpec?: unknown;
}

const CALL_DEADLINE_MS = 1500;
/** Capabilities of a fully privileged container (CAP_LAST_CAP + 1 on recent kernels is 41). */
const ALL_CAPS = 38;

function json(text: string | undefined): Record<string, unknown> {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Every field a description may leave unset, at its proto default. */
export const NO_DETAILS: ContainerDetails__Output = {
  image_digest: '',
  labels: {},
  privileged: false,
  added_capabilities: [],
  host_mounts: [],
  host_network: false,
  host_pid: false,
  host_ipc: false,
  started_at_unix_nano: '0',
  init_pid: 0,
  sandbox_id: '',
  is_sandbox: false,
  pod_labels: {},
  capabilities: [],
  kubernetes_service: '',
  source: '',
  oci_spec_path: '',
  runtime_namespace: '',
};

/** Told of every call to the runtime: its method, how it ended (a gRPC status name) and how long it took. */
export type CriCallObserver = (method: string, code: string, seconds: number) => void;

const get = (o: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

export class CriClient {
  private readonly client: RuntimeServiceClient;

  constructor(
    readonly socket: string,
    private readonly observe?: CriCallObserver,
  ) {
    this.client = criRuntimeClient(socket);
  }

  private async call<Req extends object, Res>(method: string, req: Req): Promise<Res> {
    const started = process.hrtime.bigint();
    const took = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const res = await criCall<Res>(this.client, method, req, CALL_DEADLINE_MS);
      this.observe?.(method, 'OK', took());
      return res;
    } catch (err) {
      this.observe?.(method, grpc.status[(err as grpc.ServiceError).code] ?? 'UNKNOWN', took());
      throw err;
    }
  }

  private async sandbox(id: string): Promise<PodSandboxStatusResponse__Output> {
    return this.call('PodSandboxStatus', { pod_sandbox_id: id, verbose: true });
  }

  /**
   * What the runtime knows about container (or pod sandbox) `id`; undefined
   * when it knows no such thing. Throws when the runtime cannot be asked.
   */
  async inspect(id: string): Promise<ContainerMetadata | undefined> {
    let status;
    try {
      status = await this.call<object, { status: { metadata: { name: string } | null; image: { image: string } | null; image_ref: string; labels: Record<string, string>; mounts: { host_path: string; container_path: string; readonly: boolean }[]; started_at: string } | null; info: Record<string, string> }>('ContainerStatus', { container_id: id, verbose: true });
    } catch (err) {
      if ((err as grpc.ServiceError).code !== grpc.status.NOT_FOUND) throw err;
      // Not a container: maybe the pod's sandbox (pause) itself.
      try {
        const sb = await this.sandbox(id);
        const meta = sb.status?.metadata;
        return {
          name: '',
          image: '',
          podName: meta?.name ?? '',
          podNamespace: meta?.namespace ?? '',
          podUid: meta?.uid ?? '',
          details: {
            ...NO_DETAILS,
            ...this.namespaces(sb),
            labels: sb.status?.labels ?? {},
            pod_labels: sb.status?.labels ?? {},
            started_at_unix_nano: sb.status?.created_at ?? '0',
            init_pid: Number(get(json(sb.info.info), 'pid') ?? 0),
            sandbox_id: id,
            is_sandbox: true,
            source: 'cri',
          },
        };
      } catch (e2) {
        if ((e2 as grpc.ServiceError).code === grpc.status.NOT_FOUND) return undefined;
        throw e2;
      }
    }
    const s = status.status;
    const info = json(status.info.info);
    const sandboxId = String(info.sandboxID ?? '');
    const sb = sandboxId ? await this.sandbox(sandboxId).catch(() => undefined) : undefined;
    const security = get(info, 'config', 'linux', 'security_context');
    const specCaps = get(info, 'runtimeSpec', 'process', 'capabilities', 'effective');
    const privileged = get(security, 'privileged') === true || (Array.isArray(specCaps) && specCaps.length >= ALL_CAPS);
    const added = get(security, 'capabilities', 'add_capabilities');
    const labels = s?.labels ?? {};
    return {
      name: s?.metadata?.name ?? labels['io.kubernetes.container.name'] ?? '',
      image: s?.image?.image ?? '',
      podName: sb?.status?.metadata?.name ?? labels['io.kubernetes.pod.name'] ?? '',
      podNamespace: sb?.status?.metadata?.namespace ?? labels['io.kubernetes.pod.namespace'] ?? '',
      podUid: sb?.status?.metadata?.uid ?? labels['io.kubernetes.pod.uid'] ?? '',
      details: {
        ...NO_DETAILS,
        ...this.namespaces(sb),
        image_digest: s?.image_ref ?? '',
        labels,
        pod_labels: sb?.status?.labels ?? {},
        privileged,
        added_capabilities: Array.isArray(added) ? added.map(String) : [],
        capabilities: Array.isArray(specCaps) ? specCaps.map((c) => String(c).replace(/^CAP_/, '')) : [],
        host_mounts: (s?.mounts ?? []).filter((m) => m.host_path).map((m) => ({ host_path: m.host_path, container_path: m.container_path, readonly: m.readonly })),
        started_at_unix_nano: s?.started_at ?? '0',
        init_pid: Number(info.pid ?? 0),
        sandbox_id: sandboxId,
        is_sandbox: false,
        source: 'cri',
      },
      runtimeSpec: info.runtimeSpec,
    };
  }

  /**
   * The ids of every container and pod sandbox the runtime still runs (or is
   * about to: created but not started).
   */
  async liveIds(): Promise<Set<string>> {
    const [containers, sandboxes] = await Promise.all([
      this.call<object, ListContainersResponse__Output>('ListContainers', {}),
      this.call<object, ListPodSandboxResponse__Output>('ListPodSandbox', {}),
    ]);
    const live = new Set<string>();
    for (const c of containers.containers) if (c.state === 'CONTAINER_CREATED' || c.state === 'CONTAINER_RUNNING') live.add(c.id);
    for (const sb of sandboxes.items) if (sb.state === 'SANDBOX_READY') live.add(sb.id);
    return live;
  }

  /** A finished container's exit code; undefined for a sandbox or a container the runtime forgot. */
  async exitCode(id: string): Promise<number | undefined> {
    try {
      const res = await this.call<object, ContainerStatusResponse__Output>('ContainerStatus', { container_id: id });
      return res.status?.state === 'CONTAINER_EXITED' ? res.status.exit_code : undefined;
    } catch (err) {
      if ((err as grpc.ServiceError).code === grpc.status.NOT_FOUND) return undefined;
      throw err;
    }
  }

  private namespaces(sb: PodSandboxStatusResponse__Output | undefined): { host_network: boolean; host_pid: boolean; host_ipc: boolean } {
    const o = sb?.status?.linux?.namespaces?.options;
    return { host_network: o?.network === 'NODE', host_pid: o?.pid === 'NODE', host_ipc: o?.ipc === 'NODE' };
  }

  close(): void {
    this.client.close();
  }
}
