/**
 * Runs rules over events. Rules are indexed by the sources they asked for, so
 * an event visits only the rules that care; a rule that throws is counted and
 * logged once, never allowed to stop ingest.
 */
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import type { ProcessNode__Output } from '../../../proto/generated/vigil/v1/ProcessNode';
import type { ProcessTree } from '../correlation/process-tree';
import type { DetectionContext, EventSource, Rule } from './rule';

/** An alert as first raised, before the store gives it an id. */
export interface Raised {
  /** Same rule, node, container and process: merged within the window. */
  mergeKey: string;
  alert: Alert__Output;
}

export class DetectionEngine {
  private readonly bySource = new Map<string, Rule[]>();
  readonly ruleErrors = new Map<string, number>();

  constructor(
    readonly rules: readonly Rule[],
    private readonly tree: ProcessTree,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    for (const rule of rules)
      for (const source of rule.sources) {
        const list = this.bySource.get(source) ?? [];
        list.push(rule);
        this.bySource.set(source, list);
      }
  }

  /** Updates correlation state with `events` and returns what the rules raised. */
  evaluate(node: string, events: readonly Event__Output[], nowMs: number): Raised[] {
    const raised: Raised[] = [];
    for (const ev of events) {
      this.tree.observe(node, ev, nowMs);
      const rules = this.bySource.get(ev.body as EventSource);
      if (!rules) continue;
      let ancestry: ProcessNode__Output[] | undefined;
      const ctx: DetectionContext = { node, ancestry: () => (ancestry ??= this.tree.ancestry(node, ev.process?.pid ?? 0)) };
      for (const rule of rules) {
        let finding;
        try {
          finding = rule.match(ev, ctx);
        } catch (err) {
          const n = (this.ruleErrors.get(rule.id) ?? 0) + 1;
          this.ruleErrors.set(rule.id, n);
          if (n === 1) this.log(`rule ${rule.id} failed on a ${ev.body} event from ${node} (pid ${ev.process?.pid}): ${(err as Error).message}`);
          continue;
        }
        if (finding) raised.push(this.toAlert(rule, node, ev, finding.summary, finding.fields ?? {}, ctx.ancestry()));
      }
    }
    return raised;
  }

  private toAlert(rule: Rule, node: string, ev: Event__Output, summary: string, fields: Record<string, string>, ancestry: ProcessNode__Output[]): Raised {
    const containerId = ev.container?.id ?? '';
    const pid = ev.process?.pid ?? 0;
    // A process is its parent plus what it runs: a web server spawning the
    // same shell a thousand times is one alert with a count.
    const processKey = ev.exec ? `${ev.process?.ppid}:${ev.exec.filename}` : String(pid);
    return {
      mergeKey: `${rule.id}|${node}|${containerId}|${processKey}`,
      alert: {
        id: '0',
        rule_id: rule.id,
        rule_version: rule.version,
        title: rule.title,
        severity: rule.severity,
        mitre: rule.mitre,
        description: rule.description,
        summary,
        node_name: node,
        container_id: containerId,
        namespace: '',
        pod: '',
        pid,
        first_seen_unix_nano: ev.time_unix_nano,
        last_seen_unix_nano: ev.time_unix_nano,
        count: 1,
        evidence: { event: ev, ancestry, container: ev.container, fields },
      },
    };
  }
}
