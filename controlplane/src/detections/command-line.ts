/**
 * Shell command lines as a shell would split them: pipelines of simple
 * commands, each with its words (quotes and backslashes removed, so
 * `/dev/tc""p` is /dev/tcp and `c\url` is curl), its redirections and the
 * text of its substitutions (`$(...)`, backticks, `<(...)`). Rules test
 * these parts one by one instead of running patterns with `.*` over the
 * whole line: one pass over the text, no backtracking, so a 4 KiB line made
 * to be slow costs what any 4 KiB line costs.
 *
 * It reads what attackers and scripts write, not every corner of POSIX:
 * here-documents, arithmetic and `case` patterns come out as plain words.
 */
import { basename } from './paths';

export interface Redirect {
  /** The descriptor redirected ('' when the operator's default: 0 for <, 1 for >, both for &>). */
  fd: string;
  /** The operator: > >> < <> >& <& &> &>> <<< ... */
  op: string;
  target: string;
}

export interface SimpleCommand {
  /** NAME=value words before the command. */
  assigns: string[];
  /** The command and its arguments, unquoted. */
  words: string[];
  redirects: Redirect[];
  /** The text inside each $(...), `...` and <(...) of the command, for parsing in turn. */
  subs: string[];
}

/** Simple commands joined by `|`; pipelines are separated by ; && || & and newlines. */
export type Pipeline = SimpleCommand[];

export interface ParsedLine {
  pipelines: Pipeline[];
}

/** Words that open or close a compound command: the command is what follows them. */
const KEYWORDS: ReadonlySet<string> = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', '!', '{', '}', 'time']);

const REDIRECT_OPS = ['&>>', '<<<', '<<-', '>>', '<<', '<>', '>&', '<&', '&>', '>|', '>', '<'];

function emptyCommand(): SimpleCommand {
  return { assigns: [], words: [], redirects: [], subs: [] };
}

/** Index just past the `)` that closes the `(` before `from`, quotes respected; the end of the text when unclosed. */
function closingParen(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      i = end < 0 ? s.length : end;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return s.length;
}

/** Index of the next unescaped `quote` at or after `from`; the end of the text when none. */
function closingQuote(s: string, from: number, quote: string): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === quote) return i;
  }
  return s.length;
}

/** Characters that end a run of plain word characters. */
const SPECIAL = new Uint8Array(128);
for (const c of ' \t\r\n\'"\\$`<>|&;()#') SPECIAL[c.charCodeAt(0)] = 1;

/** Index of the first special character at or after `from`. */
function plainRunEnd(s: string, from: number): number {
  let j = from;
  while (j < s.length) {
    const code = s.charCodeAt(j);
    if (code < 128 && SPECIAL[code]) break;
    j++;
  }
  return j;
}

/** Splits a command line into pipelines of simple commands. Linear in the length of the text. */
export function parseCommandLine(s: string): ParsedLine {
  const pipelines: Pipeline[] = [];
  let pipeline: Pipeline = [];
  let cmd = emptyCommand();
  let word = '';
  let inWord = false;
  /** A redirection waiting for its target word. */
  let pending: { fd: string; op: string } | undefined;

  const endWord = () => {
    if (!inWord) return;
    if (pending) {
      cmd.redirects.push({ ...pending, target: word });
      pending = undefined;
    } else if (cmd.words.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) cmd.assigns.push(word);
    else if (!(cmd.words.length === 0 && KEYWORDS.has(word))) cmd.words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (cmd.words.length || cmd.redirects.length || cmd.assigns.length || cmd.subs.length) pipeline.push(cmd);
    cmd = emptyCommand();
  };
  const endPipeline = () => {
    endCommand();
    if (pipeline.length) pipelines.push(pipeline);
    pipeline = [];
  };
  const substitution = (start: number, end: number, innerStart: number, innerEnd: number) => {
    cmd.subs.push(s.slice(innerStart, innerEnd));
    word += s.slice(start, end);
    inWord = true;
  };

  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\r') endWord();
    else if (c === '\n') endPipeline();
    else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      const stop = end < 0 ? s.length : end;
      word += s.slice(i + 1, stop);
      inWord = true;
      i = stop;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '"\\$`\n'.includes(s[j + 1])) word += s[++j] === '\n' ? '' : s[j];
        else if (s[j] === '$' && s[j + 1] === '(') {
          const end = closingParen(s, j + 2);
          substitution(j, end, j + 2, end - 1);
          j = end - 1;
        } else if (s[j] === '`') {
          const end = closingQuote(s, j + 1, '`');
          substitution(j, end + 1, j + 1, end);
          j = end;
        } else word += s[j];
      }
      i = j;
    } else if (c === '\\') {
      if (s[i + 1] !== '\n') {
        word += s[i + 1] ?? '';
        inWord = true;
      }
      i++;
    } else if (c === '$' && s[i + 1] === '(') {
      const end = closingParen(s, i + 2);
      substitution(i, end, i + 2, end - 1);
      i = end - 1;
    } else if (c === '`') {
      const end = closingQuote(s, i + 1, '`');
      substitution(i, end + 1, i + 1, end);
      i = end;
    } else if ((c === '<' || c === '>') && s[i + 1] === '(' && !inWord) {
      const end = closingParen(s, i + 2);
      substitution(i, end, i + 2, end - 1);
      i = end - 1;
    } else if (c === '#' && !inWord) {
      const nl = s.indexOf('\n', i);
      i = (nl < 0 ? s.length : nl) - 1;
    } else if (c === '|' && s[i + 1] === '|') {
      endPipeline();
      i++;
    } else if (c === '|') {
      endCommand();
      if (s[i + 1] === '&') i++;
    } else if (c === '&' && s[i + 1] !== '>') {
      endPipeline();
      if (s[i + 1] === '&') i++;
    } else if (c === ';' || c === '(' || c === ')') endPipeline();
    else if (c === '<' || c === '>' || c === '&') {
      // A word of digits right before the operator is the descriptor it redirects (2>&1, 0<&196, 5<>).
      const fd = inWord && /^\d+$/.test(word) ? word : '';
      if (fd) {
        word = '';
        inWord = false;
      } else endWord();
      const op = REDIRECT_OPS.find((o) => s.startsWith(o, i))!;
      pending = { fd, op };
      i += op.length - 1;
    } else {
      // A run of plain characters joins the word at once ($ alone is plain: $VAR).
      const end = Math.max(plainRunEnd(s, i + 1), i + 1);
      word += s.slice(i, end);
      inWord = true;
      i = end - 1;
    }
  }
  endPipeline();
  return { pipelines };
}

/**
 * Programs that run the command given in their arguments: what they run is
 * the command that matters. Each says which short options take a value,
 * which long ones do, how many operands come before the command, and which
 * option hands a shell its command line (su -c, env -S).
 */
interface WrapperSpec {
  values?: string;
  longValues?: readonly string[];
  operands?: number;
  shellFlag?: string;
  shellLong?: string;
  /** Names a user before the command (su USER, runuser USER -c) and runs a login shell without one. */
  user?: boolean;
}

const WRAPPERS: Record<string, WrapperSpec> = {
  nohup: {},
  setsid: {},
  stdbuf: { values: 'ioe' },
  nice: { values: 'n', longValues: ['--adjustment'] },
  ionice: { values: 'cnpP', longValues: ['--class', '--classdata', '--pid', '--pgid', '--uid'] },
  timeout: { values: 'sk', longValues: ['--signal', '--kill-after'], operands: 1 },
  chrt: { operands: 1 },
  taskset: { operands: 1 },
  flock: { values: 'wEc', longValues: ['--timeout', '--conflict-exit-code'], operands: 1, shellFlag: 'c', shellLong: '--command' },
  xargs: { values: 'aEeIiLlnPsd', longValues: ['--arg-file', '--eof', '--replace', '--max-lines', '--max-args', '--max-procs', '--max-chars', '--delimiter'] },
  env: { values: 'uCS', longValues: ['--unset', '--chdir', '--split-string'], shellFlag: 'S', shellLong: '--split-string' },
  sudo: { values: 'ugpCDhrtTUR', longValues: ['--user', '--group', '--prompt', '--close-from', '--chdir', '--host', '--role', '--type', '--command-timeout', '--other-user'] },
  doas: { values: 'uC' },
  runuser: { values: 'ugGcsw', longValues: ['--user', '--group', '--supp-group', '--command', '--shell', '--whitelist-environment'], shellFlag: 'c', shellLong: '--command', user: true },
  su: { values: 'cgGsw', longValues: ['--command', '--group', '--supp-group', '--shell', '--whitelist-environment'], shellFlag: 'c', shellLong: '--command', user: true },
  exec: { values: 'a' },
  command: {},
  builtin: {},
  time: { values: 'fo', longValues: ['--format', '--output'] },
  watch: { values: 'dn', longValues: ['--interval'] },
  busybox: {},
  toybox: {},
};

export function isWrapper(name: string): boolean {
  return Object.hasOwn(WRAPPERS, name);
}

/** One wrapper peeled: the argv it runs. */
function peel(argv: readonly string[], spec: WrapperSpec): readonly string[] {
  let operands = spec.operands ?? 0;
  let namedUser = false;
  let userFlag = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return argv.slice(i + 1);
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      const takes = spec.longValues?.includes(name);
      const value = !takes ? undefined : eq < 0 ? argv[++i] : a.slice(eq + 1);
      if (name === spec.shellLong && value !== undefined) return ['sh', '-c', value];
      if (name === '--user') userFlag = true;
      continue;
    }
    if (a.length > 1 && a.startsWith('-')) {
      // In a group of short options, the first that takes a value takes the rest of the group, or the next word.
      for (let k = 1; k < a.length; k++) {
        if (!spec.values?.includes(a[k])) continue;
        const value = k + 1 < a.length ? a.slice(k + 1) : argv[++i];
        if (a[k] === spec.shellFlag && value !== undefined) return ['sh', '-c', value];
        if (a[k] === 'u') userFlag = true;
        break;
      }
      continue;
    }
    if (a === '-' || (spec === WRAPPERS.env && a.includes('='))) continue;
    if (spec.user && !userFlag && !namedUser) {
      namedUser = true;
      continue;
    }
    if (operands > 0) {
      operands--;
      continue;
    }
    return argv.slice(i);
  }
  // su or runuser with nothing to run starts the user's login shell.
  return spec.user ? ['sh'] : [];
}

/**
 * The command a wrapper runs (`nohup timeout 5 sudo -u x env A=1 sh -c id`
 * is `sh -c id`), as argv; the argv itself when it is no wrapper. A wrapper
 * that hands a shell its command (`su -c CMD`, `env -S CMD`) runs `sh -c CMD`.
 */
export function unwrapCommand(argv: readonly string[]): readonly string[] {
  let out = argv;
  for (let depth = 0; depth < 8 && out.length > 0; depth++) {
    const spec = WRAPPERS[basename(out[0])];
    if (!spec) return out;
    out = peel(out, spec);
  }
  return out;
}
