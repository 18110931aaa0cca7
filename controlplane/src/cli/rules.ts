/** `vigil rules list` and `vigil rules check FILE`: what ships, and whether a rules file is right. */
import * as fs from 'node:fs';
import { Command } from 'commander';
import { formatProblems, loadRulesFile, parseRulesFile, watchedPathsOf, type RulesFile } from '../config/rules-file';
import { RULES } from '../detections/rules';
import { KNOWN_LISTS, RuleSet, isAuditRule, ruleCatalog } from '../detections/rule-set';
import { parseFeed } from '../intel/feed-parser';
import { count } from '../../../proto/format/count';
import { column } from '../../../proto/format/column';

export interface RuleRow {
  id: string;
  kind: 'node' | 'cluster';
  severity: string;
  enabled: boolean;
  exceptions: number;
  mitre: string;
  title: string;
}

/** Every shipped rule as `file` (if any) sets it up. */
export function listRules(file?: RulesFile): RuleRow[] {
  const { disabled } = RuleSet.build(RULES, file);
  return RULES.map((r) => ({
    id: r.id,
    kind: isAuditRule(r) ? 'cluster' : 'node',
    severity: (file?.rules[r.id]?.severity ?? r.severity.replace('SEVERITY_', '')).toLowerCase(),
    enabled: !disabled.includes(r.id),
    exceptions: file?.rules[r.id]?.exceptions?.length ?? 0,
    mitre: `${r.mitre.id} ${r.mitre.name}`,
    title: r.title,
  }));
}

/** Problems with the feeds a valid file names: reported, never fatal (a feed may appear later). */
function feedWarnings(file: RulesFile): string[] {
  return file.intel.feeds.flatMap((f) => {
    let text: string;
    try {
      text = fs.readFileSync(f.path, 'utf8');
    } catch (err) {
      return [`feed ${f.name ?? f.path}: ${(err as Error).message}`];
    }
    const parsed = parseFeed(text, f.format);
    return parsed.entries.length ? [] : [`feed ${f.name ?? f.path}: no usable entries (${parsed.malformed} lines not addresses, ${parsed.skipped} in reserved ranges)`];
  });
}

export function rulesCommand(): Command {
  const rules = new Command('rules').description('the detection rules: list them, check a rules file');
  rules
    .command('list')
    .description('every rule with its severity and MITRE ATT&CK technique (as a rules file sets them, with --rules)')
    .option('--rules <file>', 'show the rules as this rules file sets them up')
    .option('--json', 'one JSON object per rule')
    .option('--watched', 'the paths the sensors watch instead: path, category, accesses')
    .action((f: { rules?: string; json?: boolean; watched?: boolean }) => {
      const file = f.rules ? loadRulesFile(f.rules, ruleCatalog(RULES), KNOWN_LISTS) : undefined;
      if (f.watched) {
        const paths = watchedPathsOf(file);
        process.stdout.write(paths.map((p) => (f.json ? JSON.stringify(p) : `${p.path.padEnd(60)} ${p.category.padEnd(24)} ${(p.access ?? ['all']).join(',')}`)).join('\n') + '\n');
        return;
      }
      const rows = listRules(file);
      let out = f.json ? '' : `${'RULE'.padEnd(34)} ${'KIND'.padEnd(7)} ${'SEVERITY'.padEnd(8)} ${'ON'.padEnd(3)} ${'MITRE'.padEnd(60)} TITLE\n`;
      for (const r of rows)
        out += f.json ? `${JSON.stringify(r)}\n` : `${r.id.padEnd(34)} ${r.kind.padEnd(7)} ${r.severity.padEnd(8)} ${(r.enabled ? 'yes' : 'no').padEnd(3)} ${column(r.mitre, 60)} ${r.title}\n`;
      process.stdout.write(out);
    });
  rules
    .command('check <file>')
    .description('validate a rules file: each problem with its line and column (a file whose YAML or shape is wrong is checked no further); exit status 1 when there is one')
    .action((path: string) => {
      let text: string;
      try {
        text = fs.readFileSync(path, 'utf8');
      } catch (err) {
        process.stderr.write(`vigil: read rules file ${path}: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      const parsed = parseRulesFile(text, ruleCatalog(RULES), KNOWN_LISTS);
      if (!parsed.file) {
        process.stdout.write(`${formatProblems(path, parsed.problems)}\n${path}: ${count(parsed.problems.length, 'problem')}\n`);
        process.exitCode = 1;
        return;
      }
      for (const w of feedWarnings(parsed.file)) process.stdout.write(`${path}: warning: ${w}\n`);
      const rows = listRules(parsed.file);
      const off = rows.filter((r) => !r.enabled).map((r) => r.id);
      const exceptions = rows.reduce((n, r) => n + r.exceptions, 0);
      const on = count(rows.length - off.length, 'rule');
      const lists = count(Object.keys(parsed.file.lists).length, 'list');
      process.stdout.write(
        `${path}: ok: ${on} on${off.length ? ` (off: ${off.join(', ')})` : ''}, ${count(exceptions, 'exception')}, ${lists} extended, ${count(parsed.file.intel.feeds.length, 'feed')}, ${count(watchedPathsOf(parsed.file).length, 'watched path')}\n`,
      );
    });
  return rules;
}
