/**
 * What RBAC roles grant. A role is highly privileged when its rules lead to
 * cluster control: wildcards, escalate/bind/impersonate, running commands in
 * pods (pods/exec, pods/attach, nodes/proxy to the kubelet), minting tokens
 * (serviceaccounts/token), reading secrets cluster-wide, or an aggregationRule,
 * whose rules arrive later from whatever roles carry the labels it selects.
 */
import type { AuditRecord__Output } from '../../../proto/generated/vigil/v1/AuditRecord';
import type { K8sAuditEvent } from './k8s-audit-event';
import { asArray, asObject, asString, succeeded, succeededWrite, writtenObject, type Json } from './k8s-objects';

const ESCALATING_VERBS = ['escalate', 'bind', 'impersonate'];
const READ_VERBS = ['get', 'list', 'watch'];

/** Core-group resources whose use is a way to run code or act as someone else, and the verbs that allow it. */
const DANGEROUS_CORE_RESOURCES: { resource: string; verbs: string[]; risk: string }[] = [
  { resource: 'nodes/proxy', verbs: ['get', 'create', 'update', 'patch'], risk: 'nodes/proxy (the kubelet API: exec in any pod of the node)' },
  // Websocket exec and attach were authorized as get before 1.30.
  { resource: 'pods/exec', verbs: ['create', 'get'], risk: 'pods/exec' },
  { resource: 'pods/attach', verbs: ['create', 'get'], risk: 'pods/attach' },
  { resource: 'serviceaccounts/token', verbs: ['create'], risk: 'serviceaccounts/token create (minting tokens)' },
];

/** Whether a PolicyRule's resources cover `resource` ("pods/exec"), wildcards included. */
function coversResource(resources: string[], resource: string): boolean {
  const [parent, sub] = resource.split('/');
  return resources.some((r) => r === '*' || r === resource || (sub !== undefined && (r === `${parent}/*` || r === `*/${sub}`)));
}

/** Why a role's rules make it highly privileged, or empty. */
export function roleRisks(role: Json, clusterScope: boolean): string[] {
  const risks = new Set<string>();
  if (clusterScope && asObject(role.aggregationRule)) risks.add('aggregationRule (its rules arrive later from the roles it selects)');
  for (const r of asArray(role.rules)) {
    const rule = asObject(r) ?? {};
    const verbs = asArray(rule.verbs).map(asString);
    const resources = asArray(rule.resources).map(asString);
    const groups = asArray(rule.apiGroups).map(asString);
    const core = groups.length === 0 || groups.includes('') || groups.includes('*');
    const allows = (wanted: string[]) => verbs.includes('*') || wanted.some((v) => verbs.includes(v));
    if (verbs.includes('*')) risks.add('all verbs (*)');
    if (resources.includes('*')) risks.add('all resources (*)');
    for (const v of ESCALATING_VERBS) if (verbs.includes(v)) risks.add(v);
    if (!core) continue;
    for (const d of DANGEROUS_CORE_RESOURCES) if (coversResource(resources, d.resource) && allows(d.verbs)) risks.add(d.risk);
    // Reading named secrets is how workloads get their own; reading all of them is not.
    if (clusterScope && coversResource(resources, 'secrets') && allows(READ_VERBS) && asArray(rule.resourceNames).length === 0) risks.add('secrets read across the cluster');
  }
  return [...risks];
}

export type RoleKind = 'ClusterRole' | 'Role';

export function roleKindOf(resource: string): RoleKind | undefined {
  return resource === 'clusterroles' ? 'ClusterRole' : resource === 'roles' ? 'Role' : undefined;
}

const roleKey = (kind: RoleKind, namespace: string, name: string) => (kind === 'ClusterRole' ? `ClusterRole/${name}` : `Role/${namespace}/${name}`);

/**
 * The risks of the roles written since the control plane started, so a
 * binding to a role made a minute earlier is judged by what that role
 * grants. Bounded: the oldest entries go first.
 */
export class RoleIndex {
  private readonly risks = new Map<string, string[]>();

  constructor(private readonly maxRoles = 100_000) {}

  /** Learns from a role write or delete; other events are ignored. */
  observe(ev: K8sAuditEvent, record: AuditRecord__Output): void {
    const kind = roleKindOf(record.resource);
    if (!kind || record.subresource) return;
    if (record.verb === 'delete' && succeeded(ev)) {
      this.risks.delete(roleKey(kind, record.namespace, record.name));
      return;
    }
    const role = succeededWrite(ev) ? writtenObject(ev, kind) : undefined;
    if (!role) return;
    const key = roleKey(kind, record.namespace, asString(asObject(role.metadata)?.name) || record.name);
    const risks = roleRisks(role, kind === 'ClusterRole');
    this.risks.delete(key);
    if (risks.length === 0) return;
    this.risks.set(key, risks);
    if (this.risks.size > this.maxRoles) this.risks.delete(this.risks.keys().next().value!);
  }

  risksOf(kind: RoleKind, namespace: string, name: string): readonly string[] {
    return this.risks.get(roleKey(kind, namespace, name)) ?? [];
  }
}
