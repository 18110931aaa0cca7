/**
 * The rules file: which rules run and how loud they are, their exceptions,
 * the named lists they read, the threat-intelligence feeds, the paths
 * the sensors watch, and where alerts are exported. YAML,
 * checked against a JSON schema and then against the rule catalog, so every
 * problem comes back with the line and column it is about.
 */
import * as fs from 'node:fs';
import Ajv, { type ErrorObject } from 'ajv';
import { LineCounter, isMap, isNode, isScalar, parseDocument, type Document } from 'yaml';
import { VigilError } from '../../../proto/errors';
import { DEFAULT_WATCHED_PATHS, FILE_ACCESS_KINDS, validateWatchedPaths, WatchedPathError, type WatchedPath } from '../../../proto/watched-paths';
import { outputsProblems, outputsSchema, withDefaults, type OutputsConfig } from './outputs-config';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type SeverityName = (typeof SEVERITIES)[number];

/** Fields an exception compares; each value is a glob or a list of globs, `@name` naming a list. */
export const EXCEPTION_FIELDS = ['image', 'namespace', 'container', 'process', 'parent', 'command', 'user', 'object'] as const;
export type ExceptionField = (typeof EXCEPTION_FIELDS)[number];

export type ExceptionSpec = { name: string; pod_labels?: Record<string, string> } & { [F in ExceptionField]?: string | string[] };

export interface RuleSettings {
  enabled?: boolean;
  severity?: SeverityName;
  exceptions?: ExceptionSpec[];
}

export const FEED_FORMATS = ['auto', 'plain', 'spamhaus', 'feodo-csv'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export interface FeedSpec {
  path: string;
  /** How alerts name the feed; default: the file name. */
  name?: string;
  format?: FeedFormat;
}

export interface RulesFile {
  lists: Record<string, string[]>;
  rules: Record<string, RuleSettings>;
  intel: { feeds: FeedSpec[] };
  /** Paths the sensors watch besides the defaults, and defaults they no longer watch. */
  watched_paths?: { add: WatchedPath[]; remove: string[] };
  /** Exports, each off unless present. */
  outputs?: OutputsConfig;
}

/** What the semantic check needs to know of each shipped rule. */
export interface RuleCatalogEntry {
  id: string;
  /** Cluster rules judge audit events: no process or parent to compare. */
  kind: 'host' | 'audit';
}

export interface Problem {
  line: number;
  col: number;
  message: string;
}

const NAME = '^[a-z][a-z0-9_]*$';
const globs = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }] };

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    lists: { type: 'object', propertyNames: { pattern: NAME }, additionalProperties: { type: 'array', items: { type: 'string', minLength: 1 } } },
    rules: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          enabled: { type: 'boolean' },
          severity: { enum: SEVERITIES },
          exceptions: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['name'],
              minProperties: 2,
              properties: {
                name: { type: 'string', minLength: 1 },
                pod_labels: { type: 'object', minProperties: 1, additionalProperties: { type: 'string' } },
                ...Object.fromEntries(EXCEPTION_FIELDS.map((f) => [f, globs])),
              },
            },
          },
        },
      },
    },
    watched_paths: {
      type: 'object',
      additionalProperties: false,
      properties: {
        add: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['path', 'category'],
            properties: { path: { type: 'string', minLength: 1 }, category: { type: 'string', minLength: 1 }, access: { type: 'array', minItems: 1, items: { enum: FILE_ACCESS_KINDS } } },
          },
        },
        remove: { type: 'array', items: { type: 'string', minLength: 1 } },
      },
    },
    outputs: outputsSchema(SEVERITIES),
    intel: {
      type: 'object',
      additionalProperties: false,
      properties: {
        feeds: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['path'],
            properties: { path: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 }, format: { enum: FEED_FORMATS } },
          },
        },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: true }).compile(SCHEMA);

/** What ajv says, in the words of a rules file. */
function describeError(e: ErrorObject): string {
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'the file';
  switch (e.keyword) {
    case 'additionalProperties':
      return `${where}: unknown key "${String(e.params.additionalProperty)}"`;
    case 'enum':
      return `${where}: must be one of ${(e.params.allowedValues as string[]).join(', ')}`;
    case 'required':
      return `${where}: missing "${String(e.params.missingProperty)}"`;
    case 'minProperties':
      return `${where}: ${where.includes('exceptions') ? 'an exception needs at least one field to compare besides its name' : 'must not be empty'}`;
    case 'anyOf':
      return `${where}: must be a glob or a list of globs`;
    case 'pattern':
      if (where.startsWith('outputs.')) return `${where}: ${where.endsWith('subject') ? 'a NATS subject: tokens of letters, digits, _ or - joined by dots' : where.endsWith('auth_header') ? 'a header name: letters, digits and -' : 'letters, digits, _ and - only'}`;
      return `${where}: list names are lowercase words joined by underscores`;
    default:
      return `${where}: ${e.message}`;
  }
}

function segments(instancePath: string): (string | number)[] {
  if (!instancePath) return [];
  return instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Line and column of the key that ends `path` (a map key a problem is about). */
  key(path: (string | number)[], message: string): Problem {
    const parent = this.doc.getIn(path.slice(0, -1), true);
    const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === path.at(-1)) : undefined;
    return isNode(pair?.key) && pair.key.range ? { ...this.lines.linePos(pair.key.range[0]), message } : this.at(path, message);
  }

  /** Line and column of the value at `path`, or of its nearest ancestor that exists. */
  at(path: (string | number)[], message: string): Problem {
    for (let p = path; ; p = p.slice(0, -1)) {
      const node = p.length ? this.doc.getIn(p, true) : this.doc.contents;
      if (isNode(node) && node.range) return { ...this.lines.linePos(node.range[0]), message };
      if (p.length === 0) return { line: 1, col: 1, message };
    }
  }
}

/** Levenshtein distance, for suggesting the rule a typo meant. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** Problems a schema cannot see: unknown rule ids, unknown lists, fields a rule kind has no use for. */
function semanticProblems(file: RulesFile, catalog: readonly RuleCatalogEntry[], knownLists: readonly string[], loc: Locator): Problem[] {
  const problems: Problem[] = [];
  const kinds = new Map(catalog.map((r) => [r.id, r.kind]));
  const lists = new Set([...knownLists, ...Object.keys(file.lists)]);
  for (const [id, settings] of Object.entries(file.rules)) {
    const kind = kinds.get(id);
    if (!kind) {
      const near = catalog.map((r) => r.id).filter((r) => editDistance(r, id) <= Math.max(2, id.length / 5));
      problems.push(loc.key(['rules', id], `rules.${id}: no such rule${near.length ? ` (did you mean ${near.join(' or ')}?)` : '; vigil rules list shows them'}`));
      continue;
    }
    (settings.exceptions ?? []).forEach((ex, i) => {
      for (const field of EXCEPTION_FIELDS) {
        const value = ex[field];
        if (value === undefined) continue;
        const at = ['rules', id, 'exceptions', i, field];
        if (kind === 'audit' && (field === 'process' || field === 'parent' || field === 'command'))
          problems.push(loc.at(at, `rules.${id}.exceptions.${i}.${field}: ${id} is a cluster rule; it sees no process (use image, namespace, container, pod_labels, user or object)`));
        if (kind === 'host' && (field === 'user' || field === 'object'))
          problems.push(loc.at(at, `rules.${id}.exceptions.${i}.${field}: ${id} is a node rule; "${field}" applies to cluster rules only`));
        for (const v of Array.isArray(value) ? value : [value])
          if (v.startsWith('@') && !lists.has(v.slice(1))) problems.push(loc.at(at, `rules.${id}.exceptions.${i}.${field}: no list named "${v.slice(1)}"`));
      }
    });
  }
  problems.push(...watchedPathProblems(file, loc));
  if (file.outputs) problems.push(...outputsProblems(file.outputs).map(([path, message]) => loc.at(path, message)));
  return problems;
}

/** The table of watched paths a rules file puts in force: the defaults, less what it removes, plus what it adds. */
export function watchedPathsOf(file: RulesFile | undefined): WatchedPath[] {
  const removed = new Set(file?.watched_paths?.remove);
  return [...DEFAULT_WATCHED_PATHS.filter((p) => !removed.has(p.path)), ...(file?.watched_paths?.add ?? [])];
}

function watchedPathProblems(file: RulesFile, loc: Locator): Problem[] {
  const defaults = new Set(DEFAULT_WATCHED_PATHS.map((p) => p.path));
  const asked = file.watched_paths ?? { add: [], remove: [] };
  const problems = asked.remove
    .map((path, i) => [path, i] as const)
    .filter(([path]) => !defaults.has(path))
    .map(([path, i]) => loc.at(['watched_paths', 'remove', i], `watched_paths.remove.${i}: "${path}" is not one of the default watched paths (vigil rules list --watched shows them)`));
  // Each added path alone first, so that every bad one is reported, not the first only.
  asked.add.forEach((p, i) => {
    try {
      validateWatchedPaths([p]);
    } catch (err) {
      problems.push(loc.at(['watched_paths', 'add', i], `watched_paths.add.${i} ${err instanceof WatchedPathError ? err.problem : (err as Error).message}`));
    }
  });
  if (problems.length) return problems;
  const table = watchedPathsOf(file);
  try {
    validateWatchedPaths(table);
  } catch (err) {
    // The added paths come last in the table: an index among them is a line of the file.
    const i = err instanceof WatchedPathError ? err.index - (table.length - asked.add.length) : -1;
    return [i >= 0 ? loc.at(['watched_paths', 'add', i], `watched_paths.add.${i} ${(err as WatchedPathError).problem}`) : loc.at(['watched_paths'], `watched_paths: ${(err as Error).message}`)];
  }
  return [];
}

export interface ParsedRulesFile {
  file?: RulesFile;
  problems: Problem[];
}

/** Parses and checks a rules file's text; `file` is set only when there are no problems. */
export function parseRulesFile(text: string, catalog: readonly RuleCatalogEntry[], knownLists: readonly string[]): ParsedRulesFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const syntax = doc.errors.map((e) => ({ line: e.linePos?.[0].line ?? 1, col: e.linePos?.[0].col ?? 1, message: e.message.split('\n')[0] }));
  if (syntax.length) return { problems: syntax };
  const value: unknown = doc.toJS() ?? {};
  const loc = new Locator(doc, lines);
  if (!validate(value)) {
    const problems = (validate.errors ?? [])
      // anyOf reports each alternative too; its own message says it all.
      .filter((e, _, all) => !all.some((o) => o.keyword === 'anyOf' && o !== e && e.instancePath.startsWith(o.instancePath) && e.schemaPath.startsWith(o.schemaPath.replace(/\/anyOf$/, ''))))
      .map((e) => (e.keyword === 'additionalProperties' ? loc.key([...segments(e.instancePath), String(e.params.additionalProperty)], describeError(e)) : loc.at(segments(e.instancePath), describeError(e))));
    return { problems };
  }
  const v = value as Partial<RulesFile>;
  const file: RulesFile = {
    lists: v.lists ?? {},
    rules: v.rules ?? {},
    intel: { feeds: v.intel?.feeds ?? [] },
    watched_paths: { add: v.watched_paths?.add ?? [], remove: v.watched_paths?.remove ?? [] },
    outputs: withDefaults(v.outputs),
  };
  const problems = semanticProblems(file, catalog, knownLists, loc);
  return problems.length ? { problems } : { file, problems };
}

export function formatProblems(source: string, problems: readonly Problem[]): string {
  return problems.map((p) => `${source}:${p.line}:${p.col}: ${p.message}`).join('\n');
}

/** Reads and checks `path`; throws INVALID_ARGUMENT listing every problem with its line. */
export function loadRulesFile(path: string, catalog: readonly RuleCatalogEntry[], knownLists: readonly string[]): RulesFile {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    throw new VigilError('INVALID_ARGUMENT', `read rules file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = parseRulesFile(text, catalog, knownLists);
  if (!parsed.file) throw new VigilError('INVALID_ARGUMENT', `rules file ${path} has ${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'}:\n${formatProblems(path, parsed.problems)}`);
  return parsed.file;
}
