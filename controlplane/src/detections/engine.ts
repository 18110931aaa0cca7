/**
 * Runs rules over events. Rules are indexed by the sources they asked for, so
 * an event visits only the rules that care; a rule that throws is counted and
 * logged once, never allowed to stop ingest.
 */
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import type { ProcessNode__Output } from '../../../proto/generated/vigil/v1/ProcessNode';
import type { AuditRecord__Output } from '../../../proto/generated/vigil/v1/AuditRecord';
import { auditMergeKey } from '../audit/finding-key';
import type { K8sAuditEvent } from '../audit/k8s-audit-event';
import { RoleIndex } from '../audit/rbac';
import type { AuditContext, AuditRule, DetectionContext, EventSource, HostRule, Rule, RuleMeta } from './rule';

/** An alert as first raised, before the store gives it an id. */
export interface Raised {
  /** Same rule, node, container and process (audit: same finding about the same object): merged within the window. */
  mergeKey: string;
  alert: Alert__Output;
  /**
   * The audit event it was raised for: its place in the batch (the store
   * drops alerts of events it had already) and its request's auditID (a
   * rule raises once per request, whatever stages arrive).
   */
  audit?: { index: number; id: string };
}

export class DetectionEngine {
  private readonly bySource = new Map<string, HostRule[]>();
  private readonly auditRules: AuditRule[] = [];
  private readonly roles = new RoleIndex();
  private readonly auditContext: AuditContext = { roleRisks: (kind, namespace, name) => this.roles.risksOf(kind, namespace, name) };
  readonly ruleErrors = new Map<string, number>();

  constructor(
    readonly rules: readonly Rule[],
    private readonly log: (line: string) => void = () => undefined,
    /** How alerts from the audit log name where they happened. */
    private readonly clusterName = 'kubernetes',
  ) {
    for (const rule of rules) {
      if (isAuditRule(rule)) {
        this.auditRules.push(rule);
        continue;
      }
      for (const source of rule.sources) {
        const list = this.bySource.get(source) ?? [];
        list.push(rule);
        this.bySource.set(source, list);
      }
    }
  }

  /**
   * Runs `fn`; a throw is counted, logged once per rule, and treated as no
   * match. `what` names the event only when needed: building that string
   * for every rule and event cost more than the rules themselves.
   */
  private guard<T>(rule: RuleMeta, what: () => string, fn: () => T | null): T | null {
    try {
      return fn();
    } catch (err) {
      const n = (this.ruleErrors.get(rule.id) ?? 0) + 1;
      this.ruleErrors.set(rule.id, n);
      if (n === 1) this.log(`rule ${rule.id} failed on ${what()}: ${(err as Error).message}`);
      return null;
    }
  }

  /** What the audit rules raise for `events`; the store keeps only those of events new to it. */
  evaluateAudit(events: readonly { raw: K8sAuditEvent; record: AuditRecord__Output }[]): Raised[] {
    const raised: Raised[] = [];
    events.forEach(({ raw, record }, index) => {
      this.roles.observe(raw, record);
      for (const rule of this.auditRules) {
        const f = this.guard(rule, () => `audit event ${record.audit_id} (${record.verb} ${record.resource})`, () => rule.match(raw, record, this.auditContext));
        if (!f) continue;
        raised.push({
          mergeKey: auditMergeKey(rule.id, this.clusterName, raw, record, f),
          alert: {
            ...this.baseAlert(rule, this.clusterName, f.summary, record.time_unix_nano),
            namespace: f.namespace ?? record.namespace,
            pod: f.pod ?? '',
            pod_uid: f.podUid ?? '',
            evidence: { event: null, ancestry: [], container: null, fields: f.fields ?? {}, audit: record },
            audit_ids: [record.audit_id],
          },
          audit: { index, id: record.audit_id },
        });
      }
    });
    return raised;
  }

  private baseAlert(rule: RuleMeta, node: string, summary: string, timeNs: string): Alert__Output {
    return {
      id: '0',
      rule_id: rule.id,
      rule_version: rule.version,
      title: rule.title,
      severity: rule.severity,
      mitre: rule.mitre,
      description: rule.description,
      summary,
      node_name: node,
      container_id: '',
      namespace: '',
      pod: '',
      pod_uid: '',
      pid: 0,
      first_seen_unix_nano: timeNs,
      last_seen_unix_nano: timeNs,
      count: 1,
      evidence: null,
      audit_ids: [],
    };
  }

  /** What the host rules raise for `events`. */
  evaluate(node: string, events: readonly Event__Output[]): Raised[] {
    const raised: Raised[] = [];
    for (const ev of events) {
      const rules = this.bySource.get(ev.body as EventSource);
      if (!rules) continue;
      // The sensor's process tree, bootstrapped from /proc, sends the ancestry.
      const ctx: DetectionContext = { node, ancestry: () => ev.ancestry ?? [] };
      for (const rule of rules) {
        const finding = this.guard(rule, () => `a ${ev.body} event from ${node} (pid ${ev.process?.pid})`, () => rule.match(ev, ctx));
        if (finding) raised.push(this.toAlert(rule, node, ev, finding.summary, finding.fields ?? {}, ctx.ancestry()));
      }
    }
    return raised;
  }

  private toAlert(rule: HostRule, node: string, ev: Event__Output, summary: string, fields: Record<string, string>, ancestry: ProcessNode__Output[]): Raised {
    const containerId = ev.container?.id ?? '';
    const pid = ev.process?.pid ?? 0;
    // A process is its parent plus what it runs: a web server spawning the
    // same shell a thousand times is one alert with a count.
    const processKey = ev.exec ? `${ev.process?.ppid}:${ev.exec.filename}` : ev.container_started ? 'start' : String(pid);
    return {
      mergeKey: `${rule.id}|${node}|${containerId}|${processKey}`,
      alert: {
        ...this.baseAlert(rule, node, summary, ev.time_unix_nano),
        container_id: containerId,
        // The pod, as the runtime named it: what joins node alerts to the
        // Kubernetes audit alerts about the same pod.
        namespace: ev.container?.pod_namespace ?? '',
        pod: ev.container?.pod_name ?? '',
        pod_uid: ev.container?.pod_uid ?? '',
        pid,
        evidence: { event: ev, ancestry, container: ev.container, fields, audit: null },
      },
    };
  }
}

function isAuditRule(rule: Rule): rule is AuditRule {
  return rule.sources.includes('k8s_audit' as never);
}
