/**
 * One description of a container from the two sources a node has: the CRI
 * (names, pod, labels: what Kubernetes knows) and the container's OCI
 * runtime spec (capabilities, privileges, mounts, namespaces, environment:
 * what the runtime actually runs). Containers the CRI does not know (ctr,
 * Docker, Podman) are described from their spec alone; while the CRI cannot
 * be reached, Kubernetes containers are described from the names the CRI
 * wrote into their spec's annotations.
 */
import type { ContainerMetadata, CriClient } from './cri-client';
import { NO_DETAILS } from './cri-client';
import { ociFacts, type OciFacts, type OciSpecLocator } from './oci-spec';

/** Annotation names of containerd's CRI plugin, then CRI-O's, for the same fact. */
const ANNOTATIONS = {
  containerName: ['io.kubernetes.cri.container-name', 'io.kubernetes.container.name', 'nerdctl/name'],
  image: ['io.kubernetes.cri.image-name', 'io.kubernetes.cri-o.ImageName', 'nerdctl/image', 'org.opencontainers.image.ref.name'],
  podName: ['io.kubernetes.cri.sandbox-name', 'io.kubernetes.pod.name'],
  podNamespace: ['io.kubernetes.cri.sandbox-namespace', 'io.kubernetes.pod.namespace'],
  podUid: ['io.kubernetes.cri.sandbox-uid', 'io.kubernetes.pod.uid'],
  sandboxId: ['io.kubernetes.cri.sandbox-id', 'io.kubernetes.cri-o.SandboxID'],
  type: ['io.kubernetes.cri.container-type', 'io.kubernetes.cri-o.ContainerType'],
} as const;

function annotation(oci: OciFacts, key: keyof typeof ANNOTATIONS): string {
  for (const name of ANNOTATIONS[key]) if (oci.annotations[name]) return oci.annotations[name];
  return '';
}

/** A container of Kubernetes, by the annotations its CRI runtime wrote. */
function isCriManaged(oci: OciFacts): boolean {
  return annotation(oci, 'type') !== '';
}

function fromSpec(id: string, oci: OciFacts): ContainerMetadata {
  const type = annotation(oci, 'type');
  return {
    name: annotation(oci, 'containerName'),
    image: annotation(oci, 'image'),
    podName: annotation(oci, 'podName'),
    podNamespace: annotation(oci, 'podNamespace'),
    podUid: annotation(oci, 'podUid'),
    details: {
      ...NO_DETAILS,
      ...specDetails(oci),
      added_capabilities: oci.addedCapabilities,
      host_mounts: oci.hostMounts,
      host_network: oci.hostNetwork,
      host_pid: oci.hostPid,
      host_ipc: oci.hostIpc,
      sandbox_id: annotation(oci, 'sandboxId') || (type === 'sandbox' ? id : ''),
      is_sandbox: type === 'sandbox',
      source: 'oci',
    },
  };
}

/** What only the spec says, for any description. */
function specDetails(oci: OciFacts): Pick<ContainerMetadata['details'], 'capabilities' | 'kubernetes_service' | 'oci_spec_path' | 'runtime_namespace' | 'privileged'> {
  return { capabilities: oci.capabilities, kubernetes_service: oci.kubernetesService, oci_spec_path: oci.specPath, runtime_namespace: oci.runtimeNamespace, privileged: oci.privileged };
}

/** The spec the CRI's verbose status carried, when its bundle was not found (the container's processes came and went). */
function specOf(meta: ContainerMetadata): OciFacts | undefined {
  try {
    return meta.runtimeSpec ? ociFacts(meta.runtimeSpec, '', 'k8s.io') : undefined;
  } catch {
    return undefined;
  }
}

export type Description =
  /**
   * `partial`: a Kubernetes container described from its spec alone because
   * the CRI could not be asked; worth asking again once it answers.
   */
  | { found: ContainerMetadata; partial?: boolean }
  /** Neither source knows it yet (the runtime registers a container after its first processes run): ask again. */
  | { retry: true };

export class ContainerDescriber {
  constructor(
    /** Set later when the runtime's socket appears after the sensor started. */
    public cri: CriClient | undefined,
    private readonly oci: OciSpecLocator,
  ) {}

  /**
   * Describes container `id`, whose processes include `pids` (newest
   * first: runc's first processes are gone by the time a lookup retries).
   * Throws when the CRI cannot be asked and the spec is not found either.
   */
  async describe(id: string, pids: readonly number[]): Promise<Description> {
    const oci = this.oci.find(id, pids);
    if (!this.cri) return oci ? { found: fromSpec(id, oci), partial: isCriManaged(oci) } : { retry: true };
    let meta: ContainerMetadata | undefined;
    try {
      meta = await this.cri.inspect(id);
    } catch (err) {
      if (oci) return { found: fromSpec(id, oci), partial: isCriManaged(oci) };
      throw err;
    }
    if (!meta) return oci && !isCriManaged(oci) ? { found: fromSpec(id, oci) } : { retry: true };
    const spec = oci ?? specOf(meta);
    if (!spec) return { found: meta };
    const d = meta.details;
    return {
      found: {
        ...meta,
        details: {
          ...d,
          ...specDetails(spec),
          privileged: d.privileged || spec.privileged,
          added_capabilities: [...new Set([...d.added_capabilities.map((c) => c.replace(/^CAP_/, '')), ...spec.addedCapabilities])],
        },
      },
    };
  }
}
