/**
 * Reading requests and Kubernetes objects out of audit events. Workloads are
 * inspected through their pod template, so a privileged DaemonSet is caught
 * like a privileged Pod; objects that merely carry a template
 * (ControllerRevision) are not workloads and are ignored.
 */
import type { AuditRecord__Output } from '../../../proto/generated/vigil/v1/AuditRecord';
import type { AuditSubject } from '../detections/rule';
import { isControlPlane } from './control-plane-identities';
import type { K8sAuditEvent } from './k8s-audit-event';

/** Loosely typed JSON object access. */
export type Json = Record<string, unknown>;

export const asObject = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const asString = (v: unknown): string => (typeof v === 'string' ? v : '');

const LONG_RUNNING_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);
const WRITE_VERBS = new Set(['create', 'update', 'patch']);

/**
 * A request that holds its connection open: a watch, exec, attach,
 * port-forward, or any upgraded connection (101, e.g. a proxied websocket).
 * The API server logs it at ResponseStarted when the stream opens, and at
 * ResponseComplete only when it closes, which a log may never contain.
 */
export function isLongRunning(e: K8sAuditEvent): boolean {
  return e.verb === 'watch' || LONG_RUNNING_SUBRESOURCES.has(e.objectRef?.subresource ?? '') || e.responseStatus?.code === 101;
}

/**
 * Whether this stage is the one a request is judged at: ResponseComplete,
 * or for a long-running request also ResponseStarted, where it first shows.
 * The store raises a rule once per request, whichever stage comes first.
 */
export function atJudgedStage(e: K8sAuditEvent): boolean {
  return e.stage === 'ResponseComplete' || (e.stage === 'ResponseStarted' && isLongRunning(e));
}

/**
 * A request the API server let through, at the stage it is judged. An event
 * whose pipeline dropped the response code counts unless it says the
 * request was forbidden: a missed attack costs more than a failed one shown.
 */
export function succeeded(e: K8sAuditEvent): boolean {
  if (!atJudgedStage(e)) return false;
  const code = e.responseStatus?.code;
  if (code === undefined) return e.annotations?.['authorization.k8s.io/decision'] !== 'forbid';
  return (code >= 200 && code < 300) || code === 101;
}

/** A request that changed something and succeeded (create, update, patch). */
export function succeededWrite(e: K8sAuditEvent): boolean {
  return WRITE_VERBS.has(e.verb) && succeeded(e);
}

const CHANGE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** A successful change of an object itself (not a subresource) by someone other than the control plane. */
export function changedByUser(e: K8sAuditEvent): boolean {
  return CHANGE_VERBS.has(e.verb) && !e.objectRef?.subresource && succeeded(e) && !byControlPlane(e);
}

/** The authenticated user is the control plane itself (see control-plane-identities.ts). */
export function byControlPlane(e: K8sAuditEvent): boolean {
  return isControlPlane(e.user?.username ?? '', e.user?.groups ?? []);
}

/** The object as it now is: the response for a patch, else the request. */
export function writtenObject(e: K8sAuditEvent, kind: string): Json | undefined {
  for (const candidate of [e.responseObject, e.requestObject]) {
    const o = asObject(candidate);
    if (o && o.kind === kind) return o;
  }
  return undefined;
}

/** The uid of the controller that owns the object written (a ReplicaSet for its pods), if any. */
export function controllerOwnerUid(e: K8sAuditEvent): string {
  for (const candidate of [e.responseObject, e.requestObject]) {
    for (const ref of asArray(asObject(asObject(candidate)?.metadata)?.ownerReferences)) {
      const o = asObject(ref);
      if (o?.controller === true && asString(o.uid)) return asString(o.uid);
    }
  }
  return '';
}

const TEMPLATE_PATHS: Record<string, string[]> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export const WORKLOAD_RESOURCES = new Set(['pods', 'deployments', 'daemonsets', 'statefulsets', 'replicasets', 'replicationcontrollers', 'jobs', 'cronjobs']);

export interface PodSpecWrite {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  spec: Json;
  /** The pod's labels (for a workload, its template's). */
  labels: Record<string, string>;
  /** Containers added to a running pod (kubectl debug), not a new pod. */
  ephemeral: boolean;
}

/** The string values of a JSON object (labels, annotations, selectors). */
export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(asObject(v) ?? {})) if (typeof val === 'string') out[k] = val;
  return out;
}

/**
 * Containers added to a running pod through pods/ephemeralcontainers
 * (kubectl debug): the request is a Pod, a patch of one, or (before 1.22) an
 * EphemeralContainers object; the response is the Pod. The spec returned
 * holds only the ephemeral containers, with the pod's own host namespaces,
 * which they share.
 */
function ephemeralWrite(e: K8sAuditEvent, asSent: boolean): PodSpecWrite | undefined {
  const request = asObject(e.requestObject);
  const pod = asObject(e.responseObject)?.kind === 'Pod' ? asObject(e.responseObject) : undefined;
  const podSpec = asObject(pod?.spec) ?? {};
  const sources = [asObject(request?.spec)?.ephemeralContainers, request?.ephemeralContainers, ...(asSent ? [] : [podSpec.ephemeralContainers])];
  const containers = sources.find((c) => asArray(c).length > 0);
  if (!containers) return undefined;
  const meta = asObject(pod?.metadata) ?? {};
  return {
    kind: 'Pod',
    namespace: e.objectRef?.namespace ?? asString(meta.namespace),
    name: e.objectRef?.name ?? asString(meta.name),
    uid: asString(meta.uid) || (e.objectRef?.uid ?? ''),
    spec: { hostNetwork: podSpec.hostNetwork, hostPID: podSpec.hostPID, hostIPC: podSpec.hostIPC, ephemeralContainers: containers },
    labels: stringMap(meta.labels),
    ephemeral: true,
  };
}

/**
 * The pod spec a successful write of a workload sets, or undefined. `asSent`
 * reads the request only: what the user wrote, before admission added to it.
 * Objects the control plane makes from a template (a ReplicaSet's pods, a
 * Deployment's ReplicaSets, a node's mirror pods) are skipped: the template
 * was judged when it was written, so a workload is one alert, not one per
 * replica.
 */
export function podSpecWrite(e: K8sAuditEvent, asSent = false): PodSpecWrite | undefined {
  if (!succeededWrite(e)) return undefined;
  const sub = e.objectRef?.subresource ?? '';
  if (sub === 'ephemeralcontainers') return ephemeralWrite(e, asSent);
  if (sub || !WORKLOAD_RESOURCES.has(e.objectRef?.resource ?? '')) return undefined;
  if (byControlPlane(e) && controllerOwnerUid(e)) return undefined;
  for (const candidate of asSent ? [e.requestObject] : [e.responseObject, e.requestObject]) {
    const o = asObject(candidate);
    const path = o && TEMPLATE_PATHS[asString(o.kind)];
    if (!o || !path) continue;
    let template: Json | undefined = o;
    for (const key of path) template = asObject(template?.[key]);
    const spec = asObject(template?.spec);
    if (!spec) continue;
    const meta = asObject(o.metadata) ?? {};
    return {
      kind: asString(o.kind),
      namespace: asString(meta.namespace) || (e.objectRef?.namespace ?? ''),
      name: asString(meta.name) || (e.objectRef?.name ?? '') || asString(meta.generateName),
      uid: asString(meta.uid),
      spec,
      labels: stringMap(asObject(template?.metadata)?.labels),
      ephemeral: false,
    };
  }
  return undefined;
}

/** How a finding names what was written: "Pod shop/web", or "ephemeral container in Pod shop/web". */
export function describeWrite(w: PodSpecWrite): string {
  return `${w.ephemeral ? 'an ephemeral container in ' : ''}${w.kind} ${w.namespace}/${w.name}`;
}

/** Where a finding about a workload points: its namespace, and the pod itself when it is one. */
export function podTarget(w: PodSpecWrite): { namespace: string; pod: string; podUid: string } {
  return { namespace: w.namespace, pod: w.kind === 'Pod' ? w.name : '', podUid: w.kind === 'Pod' ? w.uid : '' };
}

/** Every container of a pod spec: init, regular and ephemeral. */
export function containersOf(spec: Json): Json[] {
  return ['initContainers', 'containers', 'ephemeralContainers'].flatMap((k) => asArray(spec[k]).map(asObject).filter((c): c is Json => !!c));
}

/** What a workload finding is about, for exceptions: images, labels, container names and the workload's name. */
export function podSubject(w: PodSpecWrite, containers = containersOf(w.spec)): AuditSubject {
  return { images: containers.map((c) => asString(c.image)), labels: w.labels, containers: containers.map((c) => asString(c.name)), name: w.name };
}

/** Who did it, as the summary names them: the authenticated user, and whom they impersonated. */
export function actor(record: AuditRecord__Output): string {
  const who = record.username || 'an unknown user';
  return record.impersonated_user ? `${who} (as ${record.impersonated_user})` : who;
}

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function objectName(record: AuditRecord__Output): string {
  return `${record.namespace ? `${record.namespace}/` : ''}${record.name}`;
}

/** The pod labels a Service selects: what it fronts. */
export function serviceSelector(svc: Json): Record<string, string> {
  return stringMap(asObject(svc.spec)?.selector);
}

/** The names a Service goes by: its own, its labels' values, and its selector's (what it fronts). */
export function serviceNames(svc: Json): string[] {
  return [asString(asObject(svc.metadata)?.name), ...Object.values(stringMap(asObject(svc.metadata)?.labels)), ...Object.values(serviceSelector(svc))];
}

/**
 * How a Service is reachable from outside the cluster: a LoadBalancer, a
 * NodePort on every node, or externalIPs (any type); undefined when only
 * from inside.
 */
export function serviceExposure(svc: Json): string | undefined {
  const spec = asObject(svc.spec) ?? {};
  const type = asString(spec.type);
  const external = asArray(spec.externalIPs).map(asString).filter(Boolean);
  if (external.length) return `externalIPs ${external.join(', ')}`;
  if (type === 'LoadBalancer' || type === 'NodePort') return type;
  return undefined;
}

/** Whether `value` is `name` or contains it as a dash-delimited part ("prod-grafana-ui" has "grafana"). */
export function hasNamePart(value: string, name: string): boolean {
  const v = value.toLowerCase();
  return v === name || v.startsWith(`${name}-`) || v.endsWith(`-${name}`) || v.includes(`-${name}-`);
}

const PAST: Record<string, string> = { create: 'created', update: 'updated', patch: 'patched', delete: 'deleted', deletecollection: 'deleted' };

/** A verb as a summary says it: "patched", "deleted". */
export function did(verb: string): string {
  return PAST[verb] ?? verb;
}

/** Whether `name` is one of `patterns`, where a trailing * matches any rest ("system:*"). */
export function nameIn(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}
