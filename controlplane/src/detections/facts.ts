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
  return path.posix.basename(path.posix.normalize(p || '.'));
}

/** python3.11 → python, php-fpm8.2 → php-fpm, pip3 → pip. */
function unversioned(name: string): string {
  return name.replace(/[-_.]?\d+(\.\d+)*$/, '') || name;
}

/** A process, as any stage describes one. */
export interface ProgramRef {
  exe: string;
  argv: readonly string[];
  comm: string;
}

/** Every name a program goes by, with and without version suffixes. */
export function programNames(p: ProgramRef): Set<string> {
  const names = new Set<string>();
  const add = (n: string) => {
    if (!n) return;
    names.add(n);
    names.add(unversioned(n));
    // Scripts and dropped binaries go by their stem too: deepce.sh, linpeas.sh, payload.bin.
    const stem = n.replace(/\.(sh|bash|py|pl|rb|php|js|bin|elf|exe|run)$/, '');
    if (stem !== n && stem) names.add(stem);
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

export function isIn(names: ReadonlySet<string>, list: ReadonlySet<string>): boolean {
  for (const n of names) if (list.has(n)) return true;
  return false;
}

/** The program an exec event starts. */
export function execProgram(ev: Event__Output): ProgramRef {
  return { exe: ev.exec!.filename, argv: ev.exec!.argv, comm: ev.process?.comm ?? '' };
}

export function nodeProgram(n: ProcessNode__Output): ProgramRef {
  return { exe: n.exe, argv: n.argv, comm: n.comm };
}

/** The process of any event, as the sensor's process tree knew it. */
export function eventProgram(ev: Event__Output): ProgramRef {
  return { exe: ev.process?.exe ?? '', argv: ev.process?.argv ?? [], comm: ev.process?.comm ?? '' };
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
export function isShellLike(p: ProgramRef, lists: Lists): boolean {
  if (isIn(programNames(p), lists.shells)) return true;
  const command = shellCommand(p.argv);
  if (command !== undefined && (SHELL_SYNTAX.test(command) || inWritableDir(p.exe))) return true;
  return p.argv.length === 2 && p.argv[1] === '-i';
}

/** A shell by name. */
export function isShell(p: ProgramRef, lists: Lists): boolean {
  return isIn(programNames(p), lists.shells);
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
export function scriptOneLiner(p: ProgramRef, lists: Lists): string | undefined {
  const names = programNames(p);
  if (!isIn(names, lists.script_interpreters)) return undefined;
  if (names.has('awk') || names.has('gawk')) return p.argv.slice(1).find((a) => !a.startsWith('-'));
  for (const n of names) {
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
export function isWebServer(p: ProgramRef, lists: Lists, inContainer: boolean): boolean {
  const names = programNames(p);
  if (isIn(names, lists.web_servers) || (inContainer && isIn(names, lists.app_runtimes))) return true;
  if (!isIn(names, lists.web_server_interpreters)) return false;
  // Servers that retitle themselves (puma, unicorn, gunicorn workers) do it in argv[0].
  return p.argv.slice(0, 8).some((a) => [...lists.web_server_modules].some((m) => basename(a).startsWith(m) || a.startsWith(m)));
}

/** A container runtime process (runc's init stages are named runc:[N:...]). */
export function isRuntimeProcess(p: ProgramRef, lists: Lists): boolean {
  return p.comm.startsWith('runc') || isIn(programNames(p), lists.container_runtimes);
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

/** The event's process as the ancestry would show it: the first link of its chain. */
export function selfNode(ev: Event__Output): ProcessNode__Output {
  return { pid: ev.process?.pid ?? 0, exe: ev.exec?.filename ?? ev.process?.exe ?? '', argv: ev.exec?.argv ?? ev.process?.argv ?? [], comm: ev.process?.comm ?? '' };
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
export function toolKind(p: ProgramRef, lists: Lists): string | undefined {
  const names = programNames(p);
  if (isShellLike(p, lists)) return 'shell';
  if (scriptOneLiner(p, lists) !== undefined) return 'interpreter one-liner';
  if (isIn(names, lists.download_tools)) return 'download tool';
  if (isIn(names, lists.network_tools)) return 'network tool';
  if (isIn(names, lists.recon_tools)) return 'recon tool';
  if ((names.has('cat') || names.has('head') || names.has('less') || names.has('more')) && p.argv.slice(1).some((a) => lists.recon_files.has(path.posix.normalize(a)))) return 'recon tool';
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
