/**
 * Facts about events and processes that several rules share. A program is
 * known by every name it goes by: its executable's file name, its argv[0]
 * (busybox applets and interpreters are named there), and its comm. comm
 * and argv[0] are chosen by the process or its caller, so rules never trust
 * them to clear a process, only to recognise one; what a program is for a
 * rule that must not be fooled is its executable (`exeName`). A renamed
 * copy of a tool is caught by how it is called (a shell's `-c`, a web
 * server's child, nsenter's `-t 1 -m`).
 */
import { imageGlobs } from './image-globs';
import type { Container__Output } from '../../../proto/generated/vigil/v1/Container';
import type { ContainerDetails__Output } from '../../../proto/generated/vigil/v1/ContainerDetails';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import type { FileAccess__Output } from '../../../proto/generated/vigil/v1/FileAccess';
import type { ProcessNode__Output } from '../../../proto/generated/vigil/v1/ProcessNode';
import type { ContainerFacts } from '../correlation/container-registry';
import { commandKey } from '../correlation/command-key';
import { isSharedDecode } from '../../../proto/repeat-decode';
import { embeddedIpv4, ipv4Text, ipv6Number, ipv6Text } from '../intel/ip-prefix-table';
import { parseCommandLine, unwrapCommand, isWrapper, type ParsedLine } from './command-line';
import { interpreterFamily, readInterpreterCall, scriptStem, type InterpreterCall } from './interpreters';
import type { Lists } from './lists';
import { basename, inWritableDir, isRelative, normalizePath } from './paths';

export { basename, inWritableDir } from './paths';

/** python3.11 → python, php-fpm8.2 → php-fpm, pip3 → pip. */
export function unversioned(name: string): string {
  const last = name.charCodeAt(name.length - 1);
  return last >= 48 && last <= 57 ? name.replace(/[-_.]?\d+(\.\d+)*$/, '') || name : name;
}

/** The dynamic loader run as a program: `ld-linux-x86-64.so.2 /bin/sh` runs /bin/sh. */
const LOADER = /^ld(-linux(-[a-z0-9_-]+)?|-musl-[a-z0-9_]+|-\d+(\.\d+)*)?\.so(\.\d+)*$/;
const LOADER_VALUES: ReadonlySet<string> = new Set(['--library-path', '--preload', '--argv0', '--audit', '--inhibit-rpath', '--glibc-hwcaps-prepend', '--glibc-hwcaps-mask']);

function throughLoader(exe: string, argv: readonly string[]): { exe: string; argv: readonly string[] } {
  if (!exe.includes('ld') || !LOADER.test(basename(exe))) return { exe, argv };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (LOADER_VALUES.has(a)) i++;
    else if (!a.startsWith('--')) {
      const argv0 = argv[argv.indexOf('--argv0') + 1];
      return { exe: a, argv: [argv.includes('--argv0') && argv0 ? argv0 : a, ...argv.slice(i + 1)] };
    }
  }
  return { exe, argv };
}

const MULTI_CALL: ReadonlySet<string> = new Set(['busybox', 'toybox']);

/** What rules work out of a command line (its executable, arguments and comm), whichever process runs it; each part once, when a rule first asks. */
interface CommandFacts {
  names?: string[];
  exeName?: string;
  call?: InterpreterCall | null;
  line?: ParsedLine | null;
  /** What judges (toolKind, isWebServer...) made of the command with these lists. */
  verdicts?: { lists: Lists; of: Map<Judge<unknown>, unknown> };
}

/** A verdict on a program that reads nothing but the program and the rule set's lists, so it holds for every run of the command. */
export type Judge<T> = (p: Program, lists: Lists) => T;

/**
 * Facts by command line and comm, for the commands that repeat (a probe, a
 * loop, a cron job): judged once, not on every run. Only a forged event can
 * share another's facts (commandKey), and it could have sent that other
 * event instead. Bounded; a long command line is worked out each time
 * rather than hashed.
 */
const commandFacts = new Map<string, Map<string, CommandFacts>>();
/** Facts kept, over every command line and comm (a thread may rename itself at will): past it the map starts over. */
const FACTS_KEPT = 4096;
let factsKept = 0;
const COMMAND_KEY_CHARS = 2048;

function factsOf(exe: string, argv: readonly string[], comm: string): CommandFacts {
  const key = commandKey(exe, argv);
  if (key.length > COMMAND_KEY_CHARS) return {};
  let byComm = commandFacts.get(key);
  let facts = byComm?.get(comm);
  if (facts) return facts;
  if (factsKept >= FACTS_KEPT) {
    commandFacts.clear();
    factsKept = 0;
    byComm = undefined;
  }
  if (!byComm) commandFacts.set(key, (byComm = new Map()));
  byComm.set(comm, (facts = {}));
  factsKept++;
  return facts;
}

/**
 * A process as rules see it, from an exec, any event's process, or an
 * ancestor. A program started through the dynamic loader is the program the
 * loader runs. Its names and what it runs are worked out once, when a rule
 * first asks.
 */
export class Program {
  readonly exe: string;
  readonly argv: readonly string[];

  constructor(
    readonly pid: number,
    exe: string,
    argv: readonly string[],
    readonly comm: string,
    private readonly facts: CommandFacts = {},
  ) {
    ({ exe: this.exe, argv: this.argv } = throughLoader(exe, argv));
  }

  static ofNode(n: ProcessNode__Output): Program {
    return new Program(n.pid, n.exe, n.argv, n.comm);
  }

  /** The program an exec starts, or the process of any other event as the sensor's process tree knew it. */
  static ofEvent(ev: Event__Output): Program {
    const p = ev.process;
    const comm = p?.comm ?? '';
    if (ev.exec) return new Program(p?.pid ?? 0, ev.exec.filename, ev.exec.argv, comm, factsOf(ev.exec.filename, ev.exec.argv, comm));
    const exe = p?.exe ?? '';
    const argv = p?.argv ?? [];
    return new Program(p?.pid ?? 0, exe, argv, comm, factsOf(exe, argv, comm));
  }

  /** Every name the program goes by, with and without version suffixes. */
  get names(): readonly string[] {
    return (this.facts.names ??= nameList(this));
  }

  /** Whether one of its names is in `list`. */
  in(list: ReadonlySet<string>): boolean {
    for (const n of this.names) if (list.has(n)) return true;
    return false;
  }

  named(name: string): boolean {
    return this.names.includes(name);
  }

  /**
   * What the executable is, whatever argv[0] and comm say: its file name
   * without version suffix or script extension, or the applet a multi-call
   * binary (busybox, toybox) runs.
   */
  get exeName(): string {
    if (this.facts.exeName === undefined) {
      const own = unversioned(basename(this.exe).replace(SCRIPT_EXTENSION, ''));
      // A login shell's argv[0] is its name after a dash (-sh, -bash).
      const arg0 = basename(this.argv[0] ?? '').replace(/^-/, '');
      this.facts.exeName = !MULTI_CALL.has(own) ? own : MULTI_CALL.has(arg0) ? basename(this.argv[1] ?? own) : arg0 || own;
    }
    return this.facts.exeName;
  }

  /** What an interpreter (python, perl, ruby, php, node, awk, java...) runs: code, a module or a script. */
  get interpreterCall(): InterpreterCall | undefined {
    if (this.facts.call === undefined) {
      const name = this.names.find((n) => interpreterFamily(n) !== undefined);
      this.facts.call = name === undefined ? null : readInterpreterCall(name, this.argv);
    }
    return this.facts.call ?? undefined;
  }

  /**
   * What `judge` makes of this program, worked out once per command line
   * (and comm) with these lists: a rule-set reload brings new lists, and the
   * verdicts start over.
   */
  judged<T>(judge: Judge<T>, lists: Lists): T {
    let verdicts = this.facts.verdicts;
    if (verdicts?.lists !== lists) verdicts = this.facts.verdicts = { lists, of: new Map() };
    if (verdicts.of.has(judge)) return verdicts.of.get(judge) as T;
    const verdict = judge(this, lists);
    verdicts.of.set(judge, verdict);
    return verdict;
  }

  /** The command line it was given with -c, parsed as a shell would; an interpreter's -c is code, not a command line. */
  get shellLine(): ParsedLine | undefined {
    if (this.facts.line === undefined) {
      const command = this.interpreterCall ? undefined : shellCommand(this.argv);
      this.facts.line = command === undefined ? null : parseCommandLine(command);
    }
    return this.facts.line ?? undefined;
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
  if (MULTI_CALL.has(arg0)) add(basename(p.argv[1] ?? ''));
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
  return (lastAncestors ??= (ev.ancestry ?? []).map(programOfNode));
}

/**
 * Programs of the ancestors that decode shares (proto/repeat-decode.ts):
 * one frozen node rides on exec after exec, so its Program, with the names
 * and calls worked out on it, is made once while the node lives.
 */
const sharedPrograms = new WeakMap<ProcessNode__Output, Program>();

function programOfNode(n: ProcessNode__Output): Program {
  if (!isSharedDecode(n)) return Program.ofNode(n);
  let p = sharedPrograms.get(n);
  if (!p) sharedPrograms.set(n, (p = Program.ofNode(n)));
  return p;
}

/** -c, alone or in a group of options (-ec, -xc). */
const COMMAND_OPTION = /^-[a-zA-Z]*c$/;

/** The command string a shell was given with -c (or a flag group ending in c: -lc, -ec), or undefined. */
export function shellCommand(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((a, k) => k > 0 && COMMAND_OPTION.test(a));
  return i > 0 ? argv[i + 1] : undefined;
}

/** Whether a shell's arguments leave it reading its commands from standard input: options only, no -c, no script. */
export function shellReadsStdin(argv: readonly string[]): boolean {
  return argv.slice(1).every((a) => a.startsWith('-') && !COMMAND_OPTION.test(a));
}

/** Text that only a shell would be handed: words, pipes, redirections, substitutions. */
const SHELL_SYNTAX = /[\s;|&$`()<>]/;

/**
 * A shell, by name or by how it is called: `-c` with a command line (one
 * with shell syntax, or one that starts with a tool), or interactive `-i`.
 * A copy of a shell under another name is still called like one; `gzip -c
 * file` and `python3 -c code` (an interpreter) are not.
 */
export function isShellLike(p: Program, lists: Lists): boolean {
  return p.judged(shellLike, lists);
}

function shellLike(p: Program, lists: Lists): boolean {
  if (p.in(lists.shells)) return true;
  if (p.interpreterCall) return false;
  const command = shellCommand(p.argv);
  if (command !== undefined && (SHELL_SYNTAX.test(command) || inWritableDir(p.exe) || startsWithTool(command, lists))) return true;
  return p.argv.length === 2 && p.argv[1] === '-i';
}

function startsWithTool(command: string, lists: Lists): boolean {
  const first = unversioned(basename(command.trimStart().split(/\s/, 1)[0]));
  return lists.shells.has(first) || lists.recon_tools.has(first) || lists.download_tools.has(first) || lists.network_tools.has(first);
}

/** A shell by name. */
export function isShell(p: Program, lists: Lists): boolean {
  return p.in(lists.shells);
}

/** An interpreter running code given on its command line (python -c, perl -e, php -r, node -e, awk '...'): the code. */
export function scriptOneLiner(p: Program, lists: Lists): string | undefined {
  return p.in(lists.script_interpreters) ? p.interpreterCall?.code : undefined;
}

/** The program a wrapper (nohup, timeout, setsid, sudo, env, xargs...) runs, or the program itself. */
export function unwrapped(p: Program): Program {
  if (!isWrapper(p.exeName)) return p;
  const argv = unwrapCommand([p.exeName, ...p.argv.slice(MULTI_CALL.has(basename(p.argv[0] ?? '')) ? 2 : 1)]);
  return argv.length === 0 ? p : new Program(p.pid, argv[0], argv, '');
}

/** The words a server's command line is known by: what it retitled itself to, the module or script it runs, java's properties. */
function serverWords(p: Program, call: InterpreterCall | undefined): { word: string; next?: string }[] {
  const words: { word: string; next?: string }[] = [];
  const title = (p.argv[0] ?? '').split(/\s/, 2);
  words.push({ word: basename(title[0]).replace(/:$/, ''), next: p.argv.length === 1 ? title[1] : p.argv[1] });
  if (call?.module) words.push({ word: call.module, next: call.rest[0] });
  if (call?.script) words.push({ word: scriptStem(call.script), next: call.rest[0] });
  if (call?.family === 'java') for (const a of p.argv) if (a.startsWith('-D')) words.push({ word: a.split('=', 1)[0] });
  return words;
}

/** A list of entries (`name` or `name subcommand`) by name: the subcommands each name needs ('' for none), made once per list. */
const entryIndexes = new WeakMap<ReadonlySet<string>, ReadonlyMap<string, readonly string[]>>();

function entryIndex(list: ReadonlySet<string>): ReadonlyMap<string, readonly string[]> {
  let index = entryIndexes.get(list);
  if (!index) {
    const m = new Map<string, string[]>();
    for (const entry of list) {
      const [name, sub = ''] = entry.split(' ', 2);
      m.set(name, [...(m.get(name) ?? []), sub]);
    }
    entryIndexes.set(list, (index = m));
  }
  return index;
}

/**
 * Whether a word is an entry's name, or `name.anything` (a package, a
 * submodule, a property under it), followed by the subcommand the entry
 * asks for. Looked up by each dotted prefix of the word, not by scanning
 * the list.
 */
function entryMatches(list: ReadonlySet<string>, words: readonly { word: string; next?: string }[]): boolean {
  const index = entryIndex(list);
  for (const w of words)
    for (let end = w.word.indexOf('.'); ; end = w.word.indexOf('.', end + 1)) {
      const subs = index.get(end < 0 ? w.word : w.word.slice(0, end));
      if (subs?.some((sub) => sub === '' || sub === w.next)) return true;
      if (end < 0) break;
    }
  return false;
}

/**
 * A web or application server: by name, an interpreter whose module,
 * script or title names a web framework (whole names: `python -m flask run`,
 * `gunicorn`, puma's title, Tomcat's main class), or, inside a container,
 * an application runtime (node, java, php) unless it runs a command runner
 * (npm, yarn, composer, artisan, Jenkins...), whose children are its job.
 */
export function isWebServer(p: Program, lists: Lists, inContainer: boolean): boolean {
  return p.judged(inContainer ? webServerInContainer : webServer, lists);
}

function webServer(p: Program, lists: Lists): boolean {
  return p.in(lists.web_servers) || (p.in(lists.web_server_interpreters) && entryMatches(lists.web_server_modules, serverWords(p, p.interpreterCall)));
}

function webServerInContainer(p: Program, lists: Lists): boolean {
  if (!p.in(lists.web_servers) && p.in(lists.app_runtimes)) return !isCommandRunner(p, lists);
  return webServer(p, lists);
}

/**
 * A program that runs commands by design (make, npm scripts, composer,
 * artisan, Gradle, Jenkins): by name, or by the script, jar or title an
 * application runtime runs it as.
 */
export function isCommandRunner(p: Program, lists: Lists): boolean {
  if (p.in(lists.command_runners)) return true;
  if (!p.in(lists.app_runtimes) && !p.in(lists.web_server_interpreters)) return false;
  return entryMatches(lists.command_runners, [...serverWords(p, p.interpreterCall), { word: p.comm.split(' ', 1)[0] }]);
}

/**
 * A program that is a real web server, not one in name: its executable is a
 * server's, outside the writable directories, and it is not running code
 * from its command line. Only such a child of a server is the server's own.
 */
export function isRealServer(p: Program, lists: Lists): boolean {
  return p.judged(realServer, lists);
}

function realServer(p: Program, lists: Lists): boolean {
  return lists.web_servers.has(p.exeName) && !inWritableDir(p.exe) && p.interpreterCall?.code === undefined && shellCommand(p.argv) === undefined;
}

/**
 * The new name of a rename whose old name was the watched one: the sensor
 * sends one record per call, on the first name that matched, so a file
 * renamed onto a watched file from a name that also matches (a copy beside
 * it: .bash_history.bak, authorized_keys.new) arrives as the old name's
 * deletion, and the file it replaced is this name.
 */
export function renamedTo(f: FileAccess__Output): string | undefined {
  if (!renamedAway(f) || !f.other_name || exchanged(f)) return undefined;
  let to: string;
  if (f.other_name.startsWith('/')) to = normalizePath(f.other_name);
  else {
    // A relative new name is the caller's cwd's only when the old name was too (rename, or both names against AT_FDCWD):
    // the cwd is the old name's resolved path less the name. Against a directory's fd (mv x /tmp/) it cannot be told.
    const name = normalizePath(f.name);
    if (f.dirfd !== AT_FDCWD || name.startsWith('/') || !f.path.endsWith(`/${name}`)) return undefined;
    to = normalizePath(`${f.path.slice(0, -name.length)}${f.other_name}`);
  }
  // Beside the watched file, or it is a move away, not a copy renamed onto a neighbour.
  return to !== f.path && to.slice(0, to.lastIndexOf('/')) === f.path.slice(0, f.path.lastIndexOf('/')) ? to : undefined;
}

/** renameat2's flag that swaps the two names. */
const RENAME_EXCHANGE = 2;

/** A rename whose old name was the watched one (the record the sensor sends for it). */
function renamedAway(f: FileAccess__Output): boolean {
  return f.access === 'ACCESS_DELETE' && f.call.startsWith('CALL_RENAME');
}

/** The watched file swapped with another (renameat2 RENAME_EXCHANGE): its name now holds that file. */
export function exchanged(f: FileAccess__Output): boolean {
  return renamedAway(f) && (f.flags & RENAME_EXCHANGE) !== 0;
}
/** The dirfd that means the current directory. */
const AT_FDCWD = -100;

/** A container runtime process (runc's init stages are named runc:[N:...]). */
export function isRuntimeProcess(p: Program, lists: Lists): boolean {
  return p.comm.startsWith('runc') || p.in(lists.container_runtimes);
}

/**
 * Whether the executable file itself is one of `list`, outside the writable
 * directories a copy would be dropped in: what an exemption for a trusted
 * program rests on. argv[0] and comm are the process's own to choose.
 */
export function runsInstalled(p: Program, list: ReadonlySet<string>): boolean {
  return (list.has(p.exeName) || list.has(basename(p.exe))) && !inWritableDir(p.exe);
}

/**
 * A container runtime re-executing itself from a sealed copy (runc's init,
 * youki and rootless crun on every call): the CVE-2019-5736 fix, not an
 * attack. Any process may call itself runc. What it cannot choose: its
 * parent's executable file (a runtime, a shim or an engine, on the node),
 * and, in a container whose namespaces the control plane has seen, its
 * mount and pid namespaces (a runtime setting the container up still runs
 * in the node's; a process of an exec session runs in the container's, and
 * may unshare a mount namespace but not leave its pid namespace; one that
 * forks into a pid namespace of its own as well is a limit).
 */
export function isRuntimeSetup(ev: Event__Output, facts: ContainerFacts | undefined, lists: Lists): boolean {
  const parent = ev.ancestry[0];
  if (!parent || !isRuntimeProcess(programOf(ev), lists) || !runsInstalled(Program.ofNode(parent), lists.runtime_parents)) return false;
  if (!inContainer(ev) || !facts?.mntNs) return true;
  // A process can make itself a mount namespace (unshare), not leave its pid namespace: both must be other than the container's.
  const ns = ev.namespaces;
  return !!ns && ns.mnt !== facts.mntNs && ns.pid !== facts.pidNs;
}

export function inContainer(ev: Event__Output): boolean {
  return !!ev.container?.id;
}

/**
 * Whether the event's process is the container's first process (its
 * entrypoint, through every exec it does). Once the control plane knows
 * that process's host pid (from the runtime, or the first pid 1 it saw
 * exec), only that pid is: a process that is pid 1 of a namespace of its
 * own (`unshare -p -f sh`) is not the container's entrypoint. Until then,
 * pid 1 of a pid namespace is.
 */
export function isContainerInit(ev: Event__Output, facts: ContainerFacts | undefined): boolean {
  const p = ev.process;
  if (!p) return false;
  return facts?.initPid ? p.pid === facts.initPid : p.ns_pid === 1;
}

/**
 * Where a relative path an exec names points, when the parent shell's
 * command line says (`cd /host && chroot .`): events carry no working
 * directory. Undefined when nothing says.
 */
export function resolveInParentShell(file: string, ev: Event__Output): string | undefined {
  if (!isRelative(file)) return normalizePath(file);
  let dir: string | undefined;
  for (const pipeline of ancestorsOf(ev)[0]?.shellLine?.pipelines ?? [])
    for (const seg of pipeline) if (seg.words[0] === 'cd' && seg.words[1]) dir = seg.words[1].startsWith('/') ? seg.words[1] : dir && `${dir}/${seg.words[1]}`;
  return dir === undefined ? undefined : normalizePath(`${dir}/${file}/`);
}

export function commandLine(ev: Event__Output): string {
  return ev.exec ? ev.exec.argv.join(' ') || ev.exec.filename : (ev.process?.argv ?? []).join(' ');
}

/**
 * Addresses the way every rule compares them: lower case, IPv6 in its
 * RFC 5952 form, and an IPv6 address that carries an IPv4 one
 * (IPv4-mapped, NAT64 64:ff9b::/96, 6to4) as that IPv4 address.
 */
export function plainAddress(address: string): string {
  // Every connect rule asks about the same destination: the last answer is kept.
  if (address !== lastAddress) {
    lastAddress = address;
    lastPlain = toPlainAddress(address);
  }
  return lastPlain;
}

let lastAddress: string | undefined;
let lastPlain = '';

function toPlainAddress(address: string): string {
  const a = address.toLowerCase();
  if (!a.includes(':')) return a;
  if (a.startsWith('::ffff:') && a.includes('.')) return a.slice(7);
  const n = ipv6Number(a);
  if (n === undefined) return a;
  const v4 = embeddedIpv4(n);
  return v4 === undefined ? ipv6Text(n) : ipv4Text(v4);
}

const plainLists = new WeakMap<ReadonlySet<string>, ReadonlySet<string>>();

/** Whether a plain address is in a list of addresses, whichever way the list writes them. */
export function addressIn(plain: string, list: ReadonlySet<string>): boolean {
  let set = plainLists.get(list);
  if (!set) plainLists.set(list, (set = new Set([...list].map(plainAddress))));
  return set.has(plain);
}

/** Programs that print a file named on their command line: with a recon file (/etc/passwd), recon. */
const FILE_READERS: ReadonlySet<string> = new Set(['cat', 'head', 'less', 'more']);

/**
 * What kind of attacker's tool a program is, or undefined: a shell (by name
 * or by being called like one), a recon, download or network tool, an
 * interpreter one-liner, or a program or script from a writable directory.
 * A wrapper (nohup, timeout, setsid, xargs...) is what it runs.
 */
export function toolKind(p: Program, lists: Lists): string | undefined {
  return p.judged(kindOf, lists);
}

function kindOf(p: Program, lists: Lists): string | undefined {
  const inner = unwrapped(p);
  if (inner !== p) return toolKind(inner, lists);
  if (isShellLike(p, lists)) return 'shell';
  if (scriptOneLiner(p, lists) !== undefined) return 'interpreter one-liner';
  if (p.in(lists.download_tools)) return 'download tool';
  if (p.in(lists.network_tools)) return 'network tool';
  if (p.in(lists.recon_tools)) return 'recon tool';
  if (p.in(FILE_READERS) && p.argv.slice(1).some((a) => lists.recon_files.has(normalizePath(a)))) return 'recon tool';
  const script = p.interpreterCall?.script;
  if (script !== undefined && inWritableDir(script)) return 'script in a writable directory';
  if (inWritableDir(p.exe)) return 'program in a writable directory';
  return undefined;
}

/**
 * The workload a pod's container belongs to, as a merge key: its namespace,
 * its owner's name (the pod name less what its controller added: a
 * Deployment's pod-template-hash and suffix, a DaemonSet's suffix, a
 * StatefulSet's ordinal, a CronJob's schedule time), the container's name
 * and image. Undefined outside Kubernetes: such a container is its own.
 */
export function workloadKey(c: Container__Output, d: ContainerDetails__Output): string | undefined {
  if (!c.pod_name) return undefined;
  const labels = d.pod_labels ?? {};
  const hash = labels['pod-template-hash'];
  const job = labels['batch.kubernetes.io/job-name'] ?? labels['job-name'];
  let owner = c.pod_name;
  if (hash && owner.includes(`-${hash}-`)) owner = owner.slice(0, owner.lastIndexOf(`-${hash}-`));
  else if (labels['statefulset.kubernetes.io/pod-name']) owner = owner.replace(/-\d+$/, '');
  else if (labels['controller-revision-hash']) owner = owner.replace(/-[a-z0-9]{5}$/, '');
  else if (job) owner = job.replace(/-\d{8,}$/, '');
  return `${c.pod_namespace}/${owner}/${c.name}>${c.image}`;
}

const imageMatchers = new WeakMap<ReadonlySet<string>, (image: string) => boolean>();

/** Whether `image` matches one of the globs of an image list (compiled once per list; image-globs.ts says how). */
export function imageIn(image: string, patterns: ReadonlySet<string>): boolean {
  if (image === '' || patterns.size === 0) return false;
  let test = imageMatchers.get(patterns);
  if (!test) imageMatchers.set(patterns, (test = imageGlobs([...patterns])));
  return test(image);
}
