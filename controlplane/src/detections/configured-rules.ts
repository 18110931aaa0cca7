/**
 * The rules as the rules file sets them up, kept current: loaded at start
 * (a bad file stops the start with every problem and its line), then
 * re-read when the file changes or on reload() (SIGHUP), where a bad file
 * keeps the rules in force and says why.
 */
import * as fs from 'node:fs';
import { formatProblems, loadRulesFile, parseRulesFile, type RulesFile } from '../config/rules-file';
import { RULES } from './rules';
import { KNOWN_LISTS, RuleSet, ruleCatalog } from './rule-set';

const CATALOG = ruleCatalog(RULES);

export type ApplyRules = (rules: RuleSet, file: RulesFile | undefined) => void;

export class ConfiguredRules {
  private lastText: string | undefined;
  private watching = false;

  constructor(
    /** No file: every rule with its defaults. */
    private readonly file: string | undefined,
    private readonly apply: ApplyRules,
    private readonly log: (line: string) => void,
  ) {}

  /** Loads the file and applies it; throws INVALID_ARGUMENT listing its problems. */
  load(): RuleSet {
    const file = this.file ? loadRulesFile(this.file, CATALOG, KNOWN_LISTS) : undefined;
    this.lastText = this.file ? fs.readFileSync(this.file, 'utf8') : undefined;
    const rules = RuleSet.build(RULES, file);
    this.apply(rules, file);
    return rules;
  }

  /** Re-reads the file; true when new rules are in force. */
  reload(): boolean {
    if (!this.file) return false;
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      this.log(`rules file ${this.file}: ${(err as Error).message}; the rules in force stay`);
      return false;
    }
    const parsed = parseRulesFile(text, CATALOG, KNOWN_LISTS);
    this.lastText = text;
    if (!parsed.file) {
      this.log(`rules file ${this.file} not reloaded, the rules in force stay:\n${formatProblems(this.file, parsed.problems)}`);
      return false;
    }
    const rules = RuleSet.build(RULES, parsed.file);
    this.apply(rules, parsed.file);
    this.log(`rules file ${this.file} reloaded: ${RULES.length - rules.disabled.length} rules on${rules.disabled.length ? `, off: ${rules.disabled.join(', ')}` : ''}`);
    return true;
  }

  /** Reloads whenever the file's content changes (polled: editors replace files in ways fs.watch misses). */
  watch(intervalMs = 2000): void {
    if (!this.file || this.watching) return;
    this.watching = true;
    fs.watchFile(this.file, { interval: intervalMs, persistent: false }, () => {
      let text: string | undefined;
      try {
        text = fs.readFileSync(this.file!, 'utf8');
      } catch {
        text = undefined;
      }
      if (text !== this.lastText) this.reload();
    });
  }

  close(): void {
    if (this.file && this.watching) fs.unwatchFile(this.file);
    this.watching = false;
  }
}
