/**
 * Runs the rule set over events. Rules are indexed by the sources they asked
 * for, so an event visits only the rules that care. Before the rules see an
 * event, the container registry learns from it (what a container is, which
 * process is its entrypoint). A finding becomes an alert unless one of the
 * rule's exceptions matches what it is about; the rules file's severity
 * wins over the rule's own. A rule that throws is counted and logged once,
 * never allowed to stop ingest.
 */
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import type { AuditRecord__Output } from '../../../proto/generated/vigil/v1/AuditRecord';
import { auditMergeKey } from '../audit/finding-key';
import type { K8sAuditEvent } from '../audit/k8s-audit-event';
import { RoleIndex } from '../audit/rbac';
import { ContainerRegistry, type ContainerFacts } from '../correlation/container-registry';
import { ApiServerEndpoints } from './apiserver-endpoints';
import type { IntelLookup } from '../intel/threat-intel';
import type { Subject } from './exceptions';
import { basename, commandLine } from './facts';
import { setListsInForce } from './lists';
import type { AuditContext, AuditFinding, DetectionContext, EventSource, Finding, RuleMeta } from './rule';
import type { ActiveRule, AlertSeverity, RuleSet } from './rule-set';

/** An alert as first raised, before the store gives it an id. */
export interface Raised {
  /** Same rule, where and what (audit: the same finding about the same object): merged within the window. */
  mergeKey: string;
  alert: Alert__Output;
  /**
   * The audit event it was raised for: its place in the batch (the store
   * drops alerts of events it had already) and its request's auditID (a
   * rule raises once per request, whatever stages arrive).
   */
  audit?: { index: number; id: string };
}

export interface EngineOptions {
  log?: (line: string) => void;
  /** How alerts from the audit log name where they happened. */
  clusterName?: string;
  intel?: IntelLookup;
}

const NO_INTEL: IntelLookup = { lookup: () => undefined };

/** Longest command line a merge key keeps: longer ones differ early anyway. */
const KEY_COMMAND_CHARS = 512;

export class DetectionEngine {
  private ruleSet: RuleSet;
  readonly containers = new ContainerRegistry();
  readonly apiServer = new ApiServerEndpoints();
  /** Roles written so far, so a binding to a custom role is judged by what the role grants. */
  private readonly roles = new RoleIndex();
  private readonly auditContext: AuditContext = { roleRisks: (kind, namespace, name) => this.roles.risksOf(kind, namespace, name) };
  readonly ruleErrors = new Map<string, number>();
  /** Findings an exception silenced, per rule. */
  readonly excepted = new Map<string, number>();
  private readonly log: (line: string) => void;
  private readonly clusterName: string;
  private readonly intel: IntelLookup;

  constructor(ruleSet: RuleSet, o: EngineOptions = {}) {
    this.ruleSet = ruleSet;
    setListsInForce(ruleSet.lists);
    this.log = o.log ?? (() => undefined);
    this.clusterName = o.clusterName ?? 'kubernetes';
    this.intel = o.intel ?? NO_INTEL;
  }

  get rules(): RuleSet {
    return this.ruleSet;
  }

  /** Swaps in a new rule set (a reloaded rules file); the next event sees it whole. */
  setRuleSet(ruleSet: RuleSet): void {
    this.ruleSet = ruleSet;
    setListsInForce(ruleSet.lists);
  }

  /**
   * Counts a rule's throw (treated as no match) and logs the first per rule.
   * Callers catch around the rule themselves: a wrapper taking the rule's
   * call as a closure cost two allocations per rule and event. `what`, the
   * event named for the log, is built only once a rule has thrown.
   */
  private failed(rule: RuleMeta, what: string, err: unknown): void {
    const n = (this.ruleErrors.get(rule.id) ?? 0) + 1;
    this.ruleErrors.set(rule.id, n);
    if (n === 1) this.log(`rule ${rule.id} failed on ${what}: ${(err as Error).message}`);
  }

  /** True when one of the rule's exceptions covers the subject; counted. */
  private isExcepted(active: ActiveRule<RuleMeta>, subject: () => Subject): boolean {
    if (active.exceptions.length === 0) return false;
    const s = subject();
    if (!active.exceptions.some((e) => e.matches(s))) return false;
    this.excepted.set(active.rule.id, (this.excepted.get(active.rule.id) ?? 0) + 1);
    return true;
  }

  /** What the audit rules raise for `events`; the store keeps only those of events new to it. */
  evaluateAudit(events: readonly { raw: K8sAuditEvent; record: AuditRecord__Output }[]): Raised[] {
    const raised: Raised[] = [];
    events.forEach(({ raw, record }, index) => {
      this.roles.observe(raw, record);
      this.apiServer.observeAudit(raw);
      for (const active of this.ruleSet.audit) {
        const { rule } = active;
        let f: AuditFinding | null;
        try {
          f = rule.match(raw, record, this.auditContext);
        } catch (err) {
          this.failed(rule, `audit event ${record.audit_id} (${record.verb} ${record.resource})`, err);
          continue;
        }
        if (!f || this.isExcepted(active, () => auditSubject(f, record))) continue;
        raised.push({
          mergeKey: auditMergeKey(rule.id, this.clusterName, raw, record, f),
          alert: {
            ...baseAlert(rule, active.severity, this.clusterName, f.summary, record.time_unix_nano),
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

  /** What the host rules raise for `events`, in order. */
  evaluate(node: string, events: readonly Event__Output[]): Raised[] {
    const raised: Raised[] = [];
    const now = Date.now();
    // One context for the batch: the rules run on one event at a time, and its container's facts are looked up once for all of them.
    let id: string | undefined;
    let facts: ContainerFacts | undefined | null = null;
    const ctx: DetectionContext = {
      node,
      lists: this.ruleSet.lists,
      intel: this.intel,
      apiServerEndpoints: this.apiServer.endpoints,
      container: () => (facts === null ? (facts = id ? this.containers.get(id) : undefined) : facts),
    };
    for (const ev of events) {
      this.containers.observe(ev, now);
      if (ev.exec) this.apiServer.observeExec(ev);
      const rules = this.ruleSet.hostRules(ev.body as EventSource);
      if (!rules) continue;
      id = ev.container?.id;
      facts = null;
      for (const active of rules) {
        let finding: Finding | null;
        try {
          finding = active.rule.match(ev, ctx);
        } catch (err) {
          this.failed(active.rule, `a ${ev.body} event from ${node} (pid ${ev.process?.pid})`, err);
          continue;
        }
        if (finding && !this.isExcepted(active, () => hostSubject(ev, ctx))) raised.push(this.toAlert(active, node, ev, finding));
      }
    }
    this.containers.prune(now);
    return raised;
  }

  private toAlert(active: ActiveRule<RuleMeta>, node: string, ev: Event__Output, f: Finding): Raised {
    const containerId = ev.container?.id ?? '';
    const ancestry = ev.ancestry ?? [];
    return {
      mergeKey: f.clusterKey ? `${active.rule.id}|cluster|${f.clusterKey}` : `${active.rule.id}|${node}|${containerId}|${f.key ?? defaultKey(ev)}`,
      alert: {
        ...baseAlert(active.rule, active.severity, node, f.summary, ev.time_unix_nano),
        container_id: containerId,
        // The pod, as the runtime named it: what joins node alerts to the
        // Kubernetes audit alerts about the same pod.
        namespace: ev.container?.pod_namespace ?? '',
        pod: ev.container?.pod_name ?? '',
        pod_uid: ev.container?.pod_uid ?? '',
        pid: ev.process?.pid ?? 0,
        evidence: { event: ev, ancestry, container: ev.container, fields: f.fields ?? {}, audit: null },
      },
    };
  }
}

/**
 * Runs of hexadecimal characters: those with a digit are the numbers and
 * ids that change between runs of one command (a WAL segment name, a pid,
 * a timestamp, a container id). One character class, so the scan is linear.
 */
const HEX_RUN = /[0-9a-f]+/gi;

/** A command line as a merge key compares it: numbers and ids of four or more characters stand as #. */
export function stableCommand(line: string): string {
  return line.slice(0, KEY_COMMAND_CHARS).replace(HEX_RUN, (m) => (m.length >= 4 && /\d/.test(m) ? '#' : m));
}

/**
 * Repeats of one finding: the same program started by the same parent
 * program with the same arguments, numbers and ids aside (a probe running
 * `sh -c check` every 10 s, or an archiver run once per WAL segment, is one
 * alert with a count; each different command an attacker types is its
 * own), one container start, or one process.
 */
function defaultKey(ev: Event__Output): string {
  if (ev.exec) return `${ev.ancestry?.[0]?.exe || ev.exec.parent_comm}>${ev.exec.filename}>${stableCommand(commandLine(ev))}`;
  if (ev.container_started) return 'started';
  return String(ev.process?.pid ?? 0);
}

function baseAlert(rule: RuleMeta, severity: AlertSeverity, node: string, summary: string, timeNs: string): Alert__Output {
  return {
    id: '0',
    rule_id: rule.id,
    rule_version: rule.version,
    title: rule.title,
    severity,
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
    origin: null,
  };
}

const some = (...values: (string | undefined | null)[]): string[] => values.filter((v): v is string => !!v);

/** A node finding's subject: its container and pod, its process and that process's parent. */
function hostSubject(ev: Event__Output, ctx: DetectionContext): Subject {
  const c = ev.container;
  const facts = ctx.container();
  const parent = ev.ancestry?.[0];
  return {
    image: some(c?.image || facts?.container.image),
    namespace: some(c?.pod_namespace),
    container: some(c?.name),
    process: some(ev.exec?.filename ?? ev.process?.exe),
    parent: some(parent?.exe, parent?.comm, ev.exec?.parent_comm, parent?.exe ? basename(parent.exe) : undefined),
    command: ev.process || ev.exec ? [commandLine(ev)] : [],
    podLabels: facts?.details?.pod_labels,
  };
}

/** A cluster finding's subject: the workload it describes and who asked for it. */
function auditSubject(f: AuditFinding, record: AuditRecord__Output): Subject {
  return {
    image: f.subject?.images ?? [],
    namespace: some(f.namespace ?? record.namespace),
    container: f.subject?.containers ?? [],
    user: some(record.username),
    object: some(f.subject?.name ?? record.name),
    podLabels: f.subject?.labels,
  };
}
