/**
 * How interpreters read their command lines: which options hand them code
 * (python -c, perl -e, ruby -e, php -r, node --eval, awk's program text),
 * which take a value that is not code (perl -Mbase, ruby -rsocket, awk -v
 * h=...), and what they run otherwise (a script, a module, a jar). Code may
 * be attached to its flag (`ruby -e'...'`, `python3 -cimport os`, `php
 * -r$s=...`, `node --eval=...`) or grouped behind other flags (`perl -lne`,
 * `python -Ic`).
 */
import { basename } from './paths';

interface Family {
  /** Short flags whose value (the rest of the group, or the next word) is code. */
  code: string;
  longCode?: readonly string[];
  /** Short flags whose value (the rest of the group, or the next word) is not code. */
  values?: string;
  longValues?: readonly string[];
  /** Short flags that take the rest of their group, if any, and never the next word. */
  attached?: string;
  /** Short flags that take the digits after them (perl -l0, -0777). */
  digits?: string;
  /** A short flag naming a module to run (python -m): the command stops there. */
  module?: string;
  /** A short flag naming the script to run (php -f). */
  scriptFlag?: string;
  /** The first operand is the program text (awk), unless a program file was given with one of these. */
  textOperand?: { unless: string; unlessLong?: readonly string[] };
  /** A subcommand whose next operand is code (deno eval). */
  evalCommand?: string;
  /** java: the jar -jar names. */
  jar?: boolean;
}

const PYTHON: Family = { code: 'c', values: 'WX', module: 'm' };
const NODE: Family = {
  code: 'ep',
  longCode: ['--eval', '--print'],
  values: 'rC',
  longValues: ['--require', '--import', '--loader', '--experimental-loader', '--conditions', '--input-type', '--env-file', '--title', '--inspect-port'],
};
const AWK: Family = { code: 'e', longCode: ['--source'], values: 'vFfil', longValues: ['--assign', '--field-separator', '--file', '--include', '--load'], textOperand: { unless: 'fe', unlessLong: ['--file', '--source'] } };

/** Interpreter families by program name, after version suffixes are dropped. */
const FAMILIES: Record<string, Family> = {
  python: PYTHON,
  pypy: PYTHON,
  perl: { code: 'eE', attached: 'ixMmIdDV', digits: 'l0C' },
  ruby: { code: 'e', values: 'rICEF', attached: 'WTxK', digits: '0' },
  php: { code: 'rBRE', values: 'dcztS', scriptFlag: 'f' },
  node: NODE,
  nodejs: NODE,
  bun: NODE,
  deno: { code: '', evalCommand: 'eval' },
  lua: { code: 'e', values: 'l' },
  luajit: { code: 'e', values: 'lbj' },
  awk: AWK,
  gawk: AWK,
  mawk: AWK,
  nawk: AWK,
  jrunscript: { code: 'e', values: 'lf', longValues: ['-cp', '-classpath'] },
  java: { code: '', longValues: ['-cp', '-classpath', '--class-path', '-p', '--module-path', '--add-modules', '--add-opens', '--add-exports', '--add-reads', '-m', '--module'], jar: true },
};

export interface InterpreterCall {
  /** The family's name: python, perl, ruby, php, node, awk, ... */
  family: string;
  /** Code given on the command line, every piece of it (perl and lua take several -e). */
  code?: string;
  /** A module run by name (python -m), or a php -f file. */
  module?: string;
  /** The script, jar or main class run, as written. */
  script?: string;
  /** The operands after the module or script. */
  rest: readonly string[];
}

export function interpreterFamily(name: string): string | undefined {
  const n = FAMILIES[name] ? name : undefined;
  return n === 'pypy' ? 'python' : n === 'nodejs' || n === 'bun' ? 'node' : n === 'gawk' || n === 'mawk' || n === 'nawk' ? 'awk' : n === 'luajit' ? 'lua' : n;
}

/** What an interpreter named `name` is told to run by `argv` (argv[0] is the interpreter). */
export function readInterpreterCall(name: string, argv: readonly string[]): InterpreterCall {
  const f = FAMILIES[name];
  const family = interpreterFamily(name)!;
  const code: string[] = [];
  let programFile = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--' || a === '-') return finish(family, code, f, programFile, argv.slice(i + 1), undefined);
    if (a.startsWith('--') || (f.jar && a.startsWith('-') && a.length > 2 && f.longValues?.includes(a))) {
      const eq = a.indexOf('=');
      const flag = eq < 0 ? a : a.slice(0, eq);
      const value = eq < 0 ? undefined : a.slice(eq + 1);
      if (f.longCode?.includes(flag)) code.push(value ?? argv[++i] ?? '');
      else if (f.longValues?.includes(flag) && value === undefined) i++;
      if (f.textOperand?.unlessLong?.includes(flag)) programFile = true;
      continue;
    }
    if (f.jar && a === '-jar') return { family, script: argv[i + 1], rest: argv.slice(i + 2) };
    if (a.length > 1 && a.startsWith('-')) {
      for (let k = 1; k < a.length; k++) {
        const c = a[k];
        const rest = a.slice(k + 1);
        if (f.code.includes(c)) {
          // node -pe CODE: the flags after the first code flag are code flags too, the code is the next word.
          code.push(rest && ![...rest].every((r) => f.code.includes(r)) ? rest : (argv[++i] ?? ''));
          if (f.textOperand?.unless.includes(c)) programFile = true;
          break;
        }
        if (f.module?.includes(c)) return { family, module: rest || argv[i + 1], rest: argv.slice(rest ? i + 1 : i + 2) };
        if (f.scriptFlag?.includes(c)) return { family, script: rest || argv[i + 1], rest: argv.slice(rest ? i + 1 : i + 2) };
        if (f.values?.includes(c)) {
          if (!rest) i++;
          if (f.textOperand?.unless.includes(c)) programFile = true;
          break;
        }
        if (f.attached?.includes(c)) break;
        if (f.digits?.includes(c)) while (k + 1 < a.length && /[0-9a-fA-FxX]/.test(a[k + 1])) k++;
      }
      continue;
    }
    // The first operand: code for awk, the code's subcommand for deno, else what runs.
    if (code.length) return finish(family, code, f, programFile, argv.slice(i), undefined);
    if (f.evalCommand && a === f.evalCommand) return finish(family, [argv[i + 1] ?? ''], f, programFile, argv.slice(i + 2), undefined);
    if (f.textOperand && !programFile) return finish(family, [a], f, programFile, argv.slice(i + 1), undefined);
    return finish(family, code, f, programFile, argv.slice(i + 1), a);
  }
  return finish(family, code, f, programFile, [], undefined);
}

function finish(family: string, code: string[], f: Family, programFile: boolean, rest: readonly string[], script: string | undefined): InterpreterCall {
  return { family, code: code.length ? code.join('\n') : undefined, script: programFile && f.textOperand ? undefined : script, rest };
}

/** The name a script or jar goes by: its file name without directory or extension (gunicorn, jenkins, artisan). */
export function scriptStem(script: string): string {
  const b = basename(script);
  const dot = b.lastIndexOf('.');
  return dot > 0 && /^\.(py|pyc|rb|pl|php|js|mjs|cjs|ts|jar|war|sh|lua)$/.test(b.slice(dot)) ? b.slice(0, dot) : b;
}
