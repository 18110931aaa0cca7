/**
 * Facts about events and processes that several rules share. A program is
 * known by every name it goes by: its executable's file name, its argv[0]
 * (busybox applets and interpreters are named there), and its comm. comm
 * and argv[0] are chosen by the process or its caller, so rules never trust
 * them to clear a process, only to recognise one; a renamed copy of a tool
 * is caught by how it is called (a shell's `-c`, a web server's child).
 */
import * as path from 'node:path';
import picomatch from 'picomatch';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import type { ProcessNode__Output } from '../../../proto/generated/vigil/v1/ProcessNode';
import type { ContainerFacts } from '../correlation/container-registry';
import type { Lists } from './lists';

/** The last component of a path written any way (`//bin/../bin/sh`). */
export function basename(p: string): string {
  // Most paths are plain; normalizing costs more than everything else a rule does.
  if (!p.includes('/.') && !p.includes('//') && !p.endsWith('/')) return p.slice(p.lastIndexOf('/') + 1);
  return path.posix.basename(path.posix.normalize(p || '.'));
}

/** python3.11 → python, php-fpm8.2 → php-fpm, pip3 → pip. */
function unversioned(name: string): string {
  const last = name.charCodeAt(name.length - 1);
  return last >= 48 && last <= 57 ? name.replace(/[-_.]?\d+(\.\d+)*$/, '') || name : name;
}

/**
 * A process as rules see it, from an exec, any event's process, or an
 * ancestor. Its names are worked out once, when a rule first asks.
 */
export class Program {
  private nameList: string[] | undefined;

  constructor(
    readonly pid: number,
    readonly exe: string,
    readonly argv: readonly string[],
    readonly comm: string,
  ) {}

  static ofNode(n: ProcessNode__Output): Program {
    return new Program(n.pid, n.exe, n.argv, n.comm);
  }

  /** The program an exec starts, or the process of any other event as the sensor's process tree knew it. */
  static ofEvent(ev: Event__Output): Program {
    const p = ev.process;
    return ev.exec ? new Program(p?.pid ?? 0, ev.exec.filename, ev.exec.argv, p?.comm ?? '') : new Program(p?.pid ?? 0, p?.exe ?? '', p?.argv ?? [], p?.comm ?? '');
  }

  /** Every name the program goes by, with and without version suffixes. */
  get names(): readonly string[] {
    return (this.nameList ??= nameList(this));
  }

  /** Whether one of its names is in `list`. */
  in(list: ReadonlySet<string>): boolean {
    for (const n of this.names) if (list.has(n)) return true;
    return false;
  }

  named(name: string): boolean {
    return this.names.includes(name);
  }
}

function nameList(p: Program): string[] {
  const names: string[] = [];
  const add = (n: string) => {
    if (!n) return;
    for (const v of [n, unversioned(n), n.includes('.') ? n.replace(SCRIPT_EXTENSION, '') : n]) if (v && !names.includes(v)) names.push(v);
  };
  const exe = basename(p.exe);
  const arg0 = basename(p.argv[0] ?? '');
  add(exe);
  add(arg0);
  add(p.comm);
  // Multi-call binaries name the applet in argv[0], or in argv[1] when called as `busybox applet`.
  if (arg0 === 'busybox') add(basename(p.argv[1] ?? ''));
  return names;
}

/** Scripts and dropped binaries go by their stem too: deepce.sh, linpeas.sh, payload.bin. */
const SCRIPT_EXTENSION = /\.(sh|bash|py|pl|rb|php|js|bin|elf|exe|run)$/;

/**
 * The engine runs every rule on one event before the next: the last
 * event's program and ancestors are kept, so each is built once for all
 * the rules, without a per-object cache.
 */
let lastEvent: Event__Output | undefined;
let lastProgram: Program | undefined;
let lastAncestors: Program[] | undefined;

/** The event's program (what an exec starts; the acting process otherwise). */
export function programOf(ev: Event__Output): Program {
  if (ev !== lastEvent) {
    lastEvent = ev;
    lastProgram = Program.ofEvent(ev);
    lastAncestors = undefined;
  }
  return lastProgram!;
}

/** The event's ancestors as programs, nearest first, as the sensor sent them. */
export function ancestorsOf(ev: Event__Output): Program[] {
  programOf(ev);
  return (lastAncestors ??= (ev.ancestry ?? []).map(Program.ofNode));
}

/** The command string a shell was given with -c (or a flag group ending in c: -lc, -ec), or undefined. */
export function shellCommand(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((a, k) => k > 0 && /^-[a-zA-Z]*c$/.test(a));
  return i > 0 ? argv[i + 1] : undefined;
}

/** Text that only a shell would be handed: words, pipes, redirections, substitutions. */
const SHELL_SYNTAX = /[\s;|&$`()<>]/;

/**
 * A shell, by name or by how it is called: `-c` with a command line, or
 * interactive `-i`. A copy of a shell under another name is still called
 * like one; `gzip -c file` is not.
 */
export function isShellLike(p: Program, lists: Lists): boolean {
  if (p.in(lists.shells)) return true;
  const command = shellCommand(p.argv);
  if (command !== undefined && (SHELL_SYNTAX.test(command) || inWritableDir(p.exe))) return true;
  return p.argv.length === 2 && p.argv[1] === '-i';
}

/** A shell by name. */
export function isShell(p: Program, lists: Lists): boolean {
  return p.in(lists.shells);
}

/** The flag after which each interpreter takes code (a trailing letter of a flag group: perl -ne, python -Bc). */
const CODE_FLAGS: Record<string, RegExp> = {
  python: /^-[A-Za-z]*c$/,
  perl: /^-[A-Za-z]*[eE]$/,
  ruby: /^-[A-Za-z]*e$/,
  php: /^-[A-Za-z]*r$/,
  node: /^(-[A-Za-z]*[ep]|--eval|--print)$/,
  nodejs: /^(-[A-Za-z]*[ep]|--eval|--print)$/,
  bun: /^(-e|--eval|--print)$/,
  deno: /^eval$/,
  lua: /^-e$/,
  jrunscript: /^-e$/,
};

/** An interpreter running code given on its command line (python -c, perl -e, php -r, node -e, awk '...'): the code. */
export function scriptOneLiner(p: Program, lists: Lists): string | undefined {
  if (!p.in(lists.script_interpreters)) return undefined;
  if (p.named('awk') || p.named('gawk')) return p.argv.slice(1).find((a) => !a.startsWith('-'));
  for (const n of p.names) {
    const flag = CODE_FLAGS[n];
    const i = flag ? p.argv.findIndex((a, k) => k > 0 && flag.test(a)) : -1;
    if (i > 0 && p.argv[i + 1] !== undefined) return p.argv[i + 1];
  }
  return undefined;
}

/**
 * A web or application server: by name, an interpreter whose arguments
 * name a web framework, or, inside a container, an application runtime
 * (node, java, php).
 */
export function isWebServer(p: Program, lists: Lists, inContainer: boolean): boolean {
  if (p.in(lists.web_servers) || (inContainer && p.in(lists.app_runtimes))) return true;
  if (!p.in(lists.web_server_interpreters)) return false;
  // Servers that retitle themselves (puma, unicorn, gunicorn workers) do it in argv[0].
  const modules = startsWithAny(lists.web_server_modules);
  return p.argv.slice(0, 8).some((a) => modules.test(a) || modules.test(basename(a)));
}

const prefixPatterns = new WeakMap<ReadonlySet<string>, RegExp>();

/** One pattern for "starts with one of these", built once per list. */
function startsWithAny(list: ReadonlySet<string>): RegExp {
  let re = prefixPatterns.get(list);
  if (!re) prefixPatterns.set(list, (re = new RegExp(`^(${[...list].map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`)));
  return re;
}

/** A container runtime process (runc's init stages are named runc:[N:...]). */
export function isRuntimeProcess(p: Program, lists: Lists): boolean {
  return p.comm.startsWith('runc') || p.in(lists.container_runtimes);
}

export function inContainer(ev: Event__Output): boolean {
  return !!ev.container?.id;
}

/**
 * Whether a process is the container's first process (its entrypoint,
 * through every exec it does): pid 1 of the container's own pid namespace,
 * or the pid the runtime reported (pods that share the node's or the pod's
 * pid namespace).
 */
export function isContainerInit(pid: number, nsPid: number, facts: ContainerFacts | undefined): boolean {
  return nsPid === 1 || (!!facts?.initPid && pid === facts.initPid);
}

/** Directories anyone may write to: a program run from there was put there at run time. */
const WRITABLE_DIRS = /^\/(tmp|var\/tmp|dev\/shm|run\/user|var\/run\/user|dev\/mqueue)\//;

export function inWritableDir(file: string): boolean {
  return WRITABLE_DIRS.test(path.posix.normalize(file));
}

export function commandLine(ev: Event__Output): string {
  return ev.exec ? ev.exec.argv.join(' ') || ev.exec.filename : (ev.process?.argv ?? []).join(' ');
}

/** Addresses the way every rule compares them: IPv4-mapped IPv6 is the IPv4 it maps. */
export function plainAddress(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address.toLowerCase();
}

/**
 * What kind of attacker's tool a program is, or undefined: a shell (by name
 * or by being called like one), a recon, download or network tool, an
 * interpreter one-liner, or a program dropped into a writable directory.
 */
export function toolKind(p: Program, lists: Lists): string | undefined {
  if (isShellLike(p, lists)) return 'shell';
  if (scriptOneLiner(p, lists) !== undefined) return 'interpreter one-liner';
  if (p.in(lists.download_tools)) return 'download tool';
  if (p.in(lists.network_tools)) return 'network tool';
  if (p.in(lists.recon_tools)) return 'recon tool';
  if ((p.named('cat') || p.named('head') || p.named('less') || p.named('more')) && p.argv.slice(1).some((a) => lists.recon_files.has(path.posix.normalize(a)))) return 'recon tool';
  if (inWritableDir(p.exe)) return 'program in a writable directory';
  return undefined;
}

const imageMatchers = new WeakMap<ReadonlySet<string>, (image: string) => boolean>();

/** Whether `image` matches one of the globs of an image list (compiled once per list). */
export function imageIn(image: string, patterns: ReadonlySet<string>): boolean {
  if (image === '' || patterns.size === 0) return false;
  let test = imageMatchers.get(patterns);
  if (!test) imageMatchers.set(patterns, (test = picomatch([...patterns], { bash: true, dot: true })));
  return test(image);
}
