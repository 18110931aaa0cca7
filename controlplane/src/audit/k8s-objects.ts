/**
 * Reading Kubernetes objects out of audit events. Workloads are inspected
 * through their pod template, so a privileged DaemonSet is caught like a
 * privileged Pod; objects that merely carry a template (ControllerRevision)
 * are not workloads and are ignored.
 */
import type { K8sAuditEvent } from './k8s-audit-event';

/** Loosely typed JSON object access. */
export type Json = Record<string, unknown>;

export const asObject = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const asString = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A request that changed something and succeeded (writes only, final stage). */
export function succeededWrite(e: K8sAuditEvent): boolean {
  const code = e.responseStatus?.code ?? 0;
  return e.stage === 'ResponseComplete' && ['create', 'update', 'patch'].includes(e.verb) && code >= 200 && code < 300;
}

/** The object as it now is: the response for a patch, else the request. */
export function writtenObject(e: K8sAuditEvent, kind: string): Json | undefined {
  for (const candidate of [e.responseObject, e.requestObject]) {
    const o = asObject(candidate);
    if (o && o.kind === kind) return o;
  }
  return undefined;
}

const TEMPLATE_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export const WORKLOAD_RESOURCES = new Set(['pods', 'deployments', 'daemonsets', 'statefulsets', 'replicasets', 'replicationcontrollers', 'jobs', 'cronjobs']);

export interface PodSpecWrite {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  spec: Json;
}

/**
 * The pod spec a successful write of a workload sets, or undefined. `asSent`
 * reads the request only: what the user wrote, before admission added to it.
 */
export function podSpecWrite(e: K8sAuditEvent, asSent = false): PodSpecWrite | undefined {
  if (!succeededWrite(e) || !WORKLOAD_RESOURCES.has(e.objectRef?.resource ?? '') || e.objectRef?.subresource) return undefined;
  for (const candidate of asSent ? [e.requestObject] : [e.responseObject, e.requestObject]) {
    const o = asObject(candidate);
    const path = o && TEMPLATE_PATHS[asString(o.kind)];
    if (!o || !path) continue;
    let spec: Json | undefined = o;
    for (const key of path) spec = asObject(spec?.[key]);
    if (!spec) continue;
    const meta = asObject(o.metadata) ?? {};
    return {
      kind: asString(o.kind),
      namespace: asString(meta.namespace) || (e.objectRef?.namespace ?? ''),
      name: asString(meta.name) || (e.objectRef?.name ?? ''),
      uid: asString(meta.uid),
      spec,
    };
  }
  return undefined;
}

/** Where a finding about a workload points: its namespace, and the pod itself when it is one. */
export function podTarget(w: PodSpecWrite): { namespace: string; pod: string; podUid: string } {
  return { namespace: w.namespace, pod: w.kind === 'Pod' ? w.name : '', podUid: w.kind === 'Pod' ? w.uid : '' };
}

/** Every container of a pod spec: init, regular and ephemeral. */
export function containersOf(spec: Json): Json[] {
  return ['initContainers', 'containers', 'ephemeralContainers'].flatMap((k) => asArray(spec[k]).map(asObject).filter((c): c is Json => !!c));
}

/** Users the API server itself and the node components act as. */
export function isSystemUser(username: string): boolean {
  return username === 'system:apiserver' || username.startsWith('system:kube-') || username.startsWith('system:node:') || username.startsWith('system:serviceaccount:kube-system:');
}
