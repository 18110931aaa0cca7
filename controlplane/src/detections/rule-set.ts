/**
 * The shipped rules as a rules file sets them up: which are enabled, at
 * which severity, with which exceptions and lists. Built whole and swapped
 * whole, so a reload never leaves the engine half on the old file.
 */
import type { Severity__Output } from '../../../proto/generated/vigil/v1/Severity';
import type { RuleCatalogEntry, RulesFile, SeverityName } from '../config/rules-file';
import { compileException, type CompiledException } from './exceptions';
import { BUILTIN_LISTS, isListName, resolveLists, type ListName, type Lists } from './lists';
import type { AuditRule, EventSource, HostRule, Rule, RuleMeta } from './rule';

export type AlertSeverity = Exclude<Severity__Output, 'SEVERITY_UNSPECIFIED'>;

export interface ActiveRule<R extends RuleMeta = Rule> {
  readonly rule: R;
  readonly severity: AlertSeverity;
  readonly exceptions: readonly CompiledException[];
}

export function isAuditRule(rule: Rule): rule is AuditRule {
  return rule.sources.includes('k8s_audit' as never);
}

/** Each rule's id and kind, for checking a rules file against what ships. */
export function ruleCatalog(rules: readonly Rule[]): RuleCatalogEntry[] {
  return rules.map((r) => ({ id: r.id, kind: isAuditRule(r) ? 'audit' : 'host' }));
}

export const KNOWN_LISTS: readonly string[] = Object.keys(BUILTIN_LISTS);

function severityOf(name: SeverityName | undefined, fallback: AlertSeverity): AlertSeverity {
  return name ? (`SEVERITY_${name.toUpperCase()}` as AlertSeverity) : fallback;
}

export class RuleSet {
  private readonly bySource = new Map<string, ActiveRule<HostRule>[]>();
  readonly audit: ActiveRule<AuditRule>[] = [];
  readonly lists: Lists;
  /** Ids of the rules the file turned off. */
  readonly disabled: string[] = [];

  private constructor(rules: readonly Rule[], file: RulesFile | undefined) {
    const added: Partial<Record<ListName, string[]>> = {};
    for (const [name, items] of Object.entries(file?.lists ?? {})) if (isListName(name)) added[name] = items;
    this.lists = resolveLists(added);
    // Exceptions may name any list, the user's own ones too.
    const allLists = new Map<string, readonly string[]>(Object.entries(file?.lists ?? {}));
    for (const [name, set] of Object.entries(this.lists)) allLists.set(name, [...set]);
    for (const rule of rules) {
      const settings = file?.rules[rule.id];
      if (settings?.enabled === false) {
        this.disabled.push(rule.id);
        continue;
      }
      const exceptions = (settings?.exceptions ?? []).map((e) => compileException(e, allLists));
      const active = { rule, severity: severityOf(settings?.severity, rule.severity), exceptions };
      if (isAuditRule(rule)) {
        this.audit.push(active as ActiveRule<AuditRule>);
        continue;
      }
      for (const source of (rule as HostRule).sources) {
        const list = this.bySource.get(source) ?? [];
        list.push(active as ActiveRule<HostRule>);
        this.bySource.set(source, list);
      }
    }
  }

  static build(rules: readonly Rule[], file?: RulesFile): RuleSet {
    return new RuleSet(rules, file);
  }

  /** The enabled host rules that asked for events of this kind. */
  hostRules(source: EventSource | string): readonly ActiveRule<HostRule>[] | undefined {
    return this.bySource.get(source);
  }
}
