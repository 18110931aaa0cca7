/**
 * Exceptions from the rules file: a known-good case silenced without editing
 * a rule. An exception matches when every field it gives matches the
 * finding's subject; a field matches when any of its globs does (`*` spans
 * `/`, so `registry.example.com/team/*` covers every image below it).
 * Fields that hold several values on the subject (the images of a pod) match
 * only when every value does: an exception for a trusted image never hides
 * an untrusted one beside it.
 */
import picomatch from 'picomatch';
import { imageGlobs } from './image-globs';
import type { ExceptionField, ExceptionSpec } from '../config/rules-file';
import { EXCEPTION_FIELDS } from '../config/rules-file';

/** What a finding is about, as exceptions see it. */
export interface Subject {
  image?: string[];
  namespace?: string[];
  container?: string[];
  /** The process's executable. */
  process?: string[];
  /** The parent's executable and name. */
  parent?: string[];
  /** The process's command line, arguments joined by spaces. */
  command?: string[];
  /** The user the API server authenticated. */
  user?: string[];
  /** The name of the object a cluster finding is about. */
  object?: string[];
  podLabels?: Record<string, string>;
}

/** Fields whose several values must all match; the others need one. */
const ALL_OF: ReadonlySet<ExceptionField> = new Set(['image', 'container']);

export interface CompiledException {
  name: string;
  matches(subject: Subject): boolean;
}

type Matcher = (value: string) => boolean;

function matcher(patterns: readonly string[]): Matcher {
  return picomatch([...patterns], { bash: true, dot: true });
}

/** `@name` items expand to the named list. */
function expand(value: string | string[], lists: ReadonlyMap<string, readonly string[]>): string[] {
  return (Array.isArray(value) ? value : [value]).flatMap((v) => (v.startsWith('@') ? [...(lists.get(v.slice(1)) ?? [])] : [v]));
}

export function compileException(spec: ExceptionSpec, lists: ReadonlyMap<string, readonly string[]>): CompiledException {
  const fields: [ExceptionField, Matcher][] = [];
  for (const f of EXCEPTION_FIELDS) {
    const value = spec[f];
    if (value !== undefined) fields.push([f, f === 'image' ? imageGlobs(expand(value, lists)) : matcher(expand(value, lists))]);
  }
  const labels = Object.entries(spec.pod_labels ?? {}).map(([k, v]) => [k, matcher([v])] as const);
  return {
    name: spec.name,
    matches(subject) {
      for (const [field, test] of fields) {
        const values = subject[field];
        if (!values || values.length === 0) return false;
        if (ALL_OF.has(field) ? !values.every(test) : !values.some(test)) return false;
      }
      for (const [key, test] of labels) {
        const v = subject.podLabels?.[key];
        if (v === undefined || !test(v)) return false;
      }
      return true;
    },
  };
}
