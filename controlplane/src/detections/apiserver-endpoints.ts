/**
 * The API server's own addresses, learned from what the control plane sees:
 * the kube-apiserver's command line on control-plane nodes
 * (--advertise-address, --secure-port), and the `kubernetes` Endpoints and
 * EndpointSlice of the default namespace when the audit log carries them.
 * A container's environment names only the Service's virtual address; a
 * process that reads the real one (from a kubeconfig, or by asking) and
 * connects there reaches the same API.
 */
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import type { K8sAuditEvent } from '../audit/k8s-audit-event';
import { asArray, asObject, asString } from '../audit/k8s-objects';
import { basename } from './paths';
import { formatHostPort } from '../../../proto/host-port';

/** Addresses remembered: a cluster has a handful of API servers. */
const MAX_ENDPOINTS = 64;

export class ApiServerEndpoints {
  private readonly known = new Set<string>();

  get endpoints(): ReadonlySet<string> {
    return this.known;
  }

  private add(address: string, port: number | string): void {
    if (!address || address === '0.0.0.0' || address === '::' || !port) return;
    const e = formatHostPort(address.toLowerCase(), port);
    if (this.known.has(e)) return;
    if (this.known.size >= MAX_ENDPOINTS) this.known.delete(this.known.values().next().value!);
    this.known.add(e);
  }

  /** An exec of kube-apiserver: where it listens. */
  observeExec(ev: Event__Output): void {
    const exec = ev.exec;
    if (!exec?.filename.endsWith('kube-apiserver') || basename(exec.filename) !== 'kube-apiserver') return;
    const flag = (name: string) => {
      const i = exec.argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
      return i < 0 ? undefined : exec.argv[i].includes('=') ? exec.argv[i].slice(name.length + 1) : exec.argv[i + 1];
    };
    this.add(flag('--advertise-address') ?? '', flag('--secure-port') ?? 6443);
  }

  /** The `kubernetes` Endpoints or EndpointSlice of the default namespace, as a request wrote it or a response returned it. */
  observeAudit(ev: K8sAuditEvent): void {
    const ref = ev.objectRef;
    if (ref?.namespace !== 'default' || (ref.resource !== 'endpoints' && ref.resource !== 'endpointslices')) return;
    const obj = asObject(ev.responseObject) ?? asObject(ev.requestObject);
    const meta = asObject(obj?.metadata);
    const name = asString(meta?.name);
    const service = asString(asObject(meta?.labels)?.['kubernetes.io/service-name']);
    if (!obj || (name !== 'kubernetes' && service !== 'kubernetes')) return;
    for (const subset of asArray(obj.subsets).map(asObject))
      for (const a of asArray(subset?.addresses)) for (const p of asArray(subset?.ports)) this.add(asString(asObject(a)?.ip), Number(asObject(p)?.port));
    for (const e of asArray(obj.endpoints)) for (const a of asArray(asObject(e)?.addresses)) for (const p of asArray(obj.ports)) this.add(asString(a), Number(asObject(p)?.port));
  }
}
