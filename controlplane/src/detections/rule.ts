/**
 * What a detection is: metadata a responder reads, the event sources it
 * wants, and a pure match function. Rules do no I/O; everything they need
 * beyond the event comes through the context.
 */
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import type { Severity__Output } from '../../../proto/generated/vigil/v1/Severity';
import type { MitreTechnique__Output } from '../../../proto/generated/vigil/v1/MitreTechnique';
import type { AuditRecord__Output } from '../../../proto/generated/vigil/v1/AuditRecord';
import type { K8sAuditEvent } from '../audit/k8s-audit-event';
import type { ContainerFacts } from '../correlation/container-registry';
import type { IntelLookup } from '../intel/threat-intel';
import type { Lists } from './lists';

export type EventSource = 'exec' | 'fork' | 'exit' | 'connect' | 'mount' | 'file' | 'container_started';

export interface DetectionContext {
  readonly node: string;
  /** The named lists: built-ins plus what the rules file added. */
  readonly lists: Lists;
  readonly intel: IntelLookup;
  /** The API server's addresses (IP:port, [IPv6]:port) learned from the cluster: its own command line, the `kubernetes` Endpoints. */
  readonly apiServerEndpoints: ReadonlySet<string>;
  /** What the control plane knows of the event's container; undefined on the host. */
  container(): ContainerFacts | undefined;
}

export interface Finding {
  /** One line for a responder: what happened, where. */
  summary: string;
  /** Rule-specific facts worth keeping with the alert. */
  fields?: Record<string, string>;
  /**
   * What makes two findings of the rule the same finding, so that repeats
   * merge into one alert with a count. Default: the process's parent,
   * program and arguments (an exec), or its pid. It is compared within one
   * container of one node.
   */
  key?: string;
  /**
   * What makes two findings the same anywhere in the cluster (a workload's
   * pods on every node): when set, it replaces the node, the container and
   * `key` in the merge key.
   */
  clusterKey?: string;
}

/** What every rule tells a responder about itself. */
export interface RuleMeta {
  /** Stable, kebab-case; alerts and exceptions refer to it. */
  readonly id: string;
  readonly version: number;
  readonly title: string;
  /** Why it matters, known false positives, and how to triage. */
  readonly description: string;
  readonly severity: Exclude<Severity__Output, 'SEVERITY_UNSPECIFIED'>;
  readonly mitre: MitreTechnique__Output;
}

/** A rule over the kernel events of a node. */
export interface HostRule extends RuleMeta {
  readonly sources: readonly EventSource[];
  match(ev: Event__Output, ctx: DetectionContext): Finding | null;
}

/**
 * What an audit finding is about, as the rules file's exceptions compare it:
 * the workload's images, pod labels and container names, and the
 * authenticated user. The engine applies exceptions; rules only describe.
 */
export interface AuditSubject {
  images?: string[];
  labels?: Record<string, string>;
  containers?: string[];
  /** Object name (a role, a binding, a service...), for exceptions by name. */
  name?: string;
}

/** Where in the cluster an audit finding points. */
export interface AuditFinding extends Finding {
  namespace?: string;
  pod?: string;
  podUid?: string;
  subject?: AuditSubject;
}

/** What audit rules know beyond the event: what earlier events said. */
export interface AuditContext {
  /** Why a role written earlier is highly privileged (see audit/rbac.ts); empty when it is not, or was not seen. */
  roleRisks(kind: 'ClusterRole' | 'Role', namespace: string, name: string): readonly string[];
}

/** A rule over Kubernetes API server audit events. */
export interface AuditRule extends RuleMeta {
  readonly sources: readonly ['k8s_audit'];
  match(ev: K8sAuditEvent, record: AuditRecord__Output, ctx: AuditContext): AuditFinding | null;
}

export type Rule = HostRule | AuditRule;
