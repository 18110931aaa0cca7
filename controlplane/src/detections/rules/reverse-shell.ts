import type { HostRule } from '../rule';
import type { Lists } from '../lists';
import { parseCommandLine, unwrapCommand, type ParsedLine, type SimpleCommand } from '../command-line';
import { Program, basename, commandLine, programOf, shellReadsStdin, unversioned, unwrapped } from '../facts';
import { interpreterFamily } from '../interpreters';

const NETCATS: ReadonlySet<string> = new Set(['nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd', 'cryptcat', 'pwncat']);
/** nc/ncat/netcat handing a program its socket: -e PROG, -ePROG, -c CMD, --exec[=]PROG, --sh-exec[=]CMD, --lua-exec. */
const NETCAT_EXEC = /^(-[a-zA-Z]*[ec](\/.*)?|--(sh-|lua-)?exec(=.*)?)$/;
/** socat joining a socket to a program or a pty (EXEC:, SYSTEM:, and socat 1.8's SHELL:). */
const SOCAT_SHELL = /^(exec|system|shell):|^pty\b|,pty\b/i;
/** A bash or zsh network redirection: /dev/tcp/HOST/PORT, the port written any way ($P, https). */
const DEV_TCP = /^\/dev\/(tcp|udp)\/[^/\s]+\/[^/\s]+$/;
/** Clients that carry a byte stream to and from the network. */
const NETWORK_CLIENTS: ReadonlySet<string> = new Set([...NETCATS, 'socat', 'telnet', 'openssl', 'ncat']);
/** How far nested command lines (sh -c "sh -c '...'", $(...)) are followed. */
const MAX_DEPTH = 4;

/**
 * Interpreter code that opens a socket and hands it to a shell, by family.
 * The socket side names each language's own API, so perl code is never
 * called python; the patterns are alternations of literals (no backtracking).
 */
const FAMILY_PATTERNS: [family: string, socket: RegExp, shell: RegExp][] = [
  ['perl', /IO::Socket|\buse Socket\b|\bPF_INET\b|\bsockaddr_in\b/, /\bexec\b|\bsystem\b|\bopen\s*\(\s*STDIN|fdopen|\/bin\/(ba|da|z)?sh/],
  ['ruby', /TCPSocket|Socket\.new|Socket\.tcp/, /\bexec\b|spawn|system|popen|\/bin\/(ba|da|z)?sh/],
  ['php', /fsockopen|socket_create|stream_socket_client/, /exec|shell_exec|system|passthru|proc_open|popen|`/],
  ['node', /require\(\s*['"](node:)?net['"]\s*\)|\bnet\.Socket\b|\bnet\.connect\b|\bnet\.createConnection\b/, /child_process|spawn|exec/],
  ['lua', /require\(?\s*['"]socket['"]|socket\.tcp|socket\.connect/, /io\.popen|os\.execute/],
  ['awk', /\/inet[46]?\/(tcp|udp)\//, /./],
  ['jrunscript', /java\.net\.Socket|new\s+Socket\b/, /\bexec\b|ProcessBuilder/],
  ['python', /\bsocket\b/, /subprocess|pty\.spawn|os\.dup2|\/bin\/(ba|da|z)?sh|os\.system|os\.popen|os\.exec/],
];

function oneLinerShape(family: string | undefined, code: string): string | undefined {
  for (const [f, socket, shell] of FAMILY_PATTERNS) if ((family === undefined || family === f) && socket.test(code) && shell.test(code)) return f === 'awk' ? 'awk /inet/tcp' : `${f} socket to a shell`;
  return undefined;
}

/** A renamed netcat: -e or --exec handing a shell to a program that also names a port. */
function shellHandedToPort(argv: readonly string[], lists: Lists): boolean {
  let shell = false;
  let port = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const value = /^(-e|-c|--exec|--sh-exec)$/.test(a) ? argv[i + 1] : /^-e\//.test(a) ? a.slice(2) : /^--(sh-)?exec=/.test(a) ? a.slice(a.indexOf('=') + 1) : undefined;
    if (value !== undefined && lists.shells.has(basename(value.split(' ', 1)[0]))) shell = true;
    if (/^\d{1,5}$/.test(a) && Number(a) > 0 && Number(a) < 65536) port = true;
  }
  return shell && port;
}

/** How a program wires a shell to the network, judged from its own command line; undefined when it does not. */
function judgeProgram(p: Program, lists: Lists, depth: number): string | undefined {
  const inner = unwrapped(p);
  if (inner !== p) return judgeProgram(inner, lists, depth);
  if (p.in(NETCATS) && p.argv.some((a, i) => i > 0 && NETCAT_EXEC.test(a))) return 'netcat -e';
  if (p.named('socat') && p.argv.some((a, i) => i > 0 && SOCAT_SHELL.test(a))) return 'socat exec/pty';
  const call = p.interpreterCall;
  if (call?.code !== undefined) return oneLinerShape(call.family, call.code);
  if (shellHandedToPort(p.argv, lists)) return 'netcat -e (renamed)';
  const line = depth < MAX_DEPTH ? p.shellLine : undefined;
  const how = line && judgeLine(line, lists, depth + 1);
  if (how || p.in(lists.shells)) return how;
  // A renamed interpreter given code (/tmp/p -e '...'): its family is whichever the code is written in.
  const code = p.argv.find((_, i) => i > 1 && /^-[a-zA-Z]*[ecr]$/.test(p.argv[i - 1]));
  return code === undefined ? undefined : oneLinerShape(undefined, code);
}

const judgeCommand = (p: Program, lists: Lists) => judgeProgram(p, lists, 0);

function commandName(argv: readonly string[]): string {
  return argv.length ? unversioned(basename(argv[0])) : '';
}

/** Options that hand a program code or a program to run (-e, -c, -r, --exec...): worth a closer look whatever the program is named. */
const CODE_OPTION = /^(-[a-zA-Z]*[ecr]|--(sh-|lua-)?exec|--eval|--print)/;

/** Whether a command of a line could be one of the program shapes at all: cheap, so most commands cost no more. */
function worthJudging(name: string, argv: readonly string[], lists: Lists): boolean {
  if (argv.length < 2) return false;
  if (NETWORK_CLIENTS.has(name) || lists.shells.has(name) || interpreterFamily(name) !== undefined || name === 'busybox' || name === 'toybox') return true;
  for (let i = 1; i < argv.length; i++) if (CODE_OPTION.test(argv[i])) return true;
  return false;
}

/** A shell that reads its commands from standard input: no -c, no script operand. */
function shellReadingStdin(argv: readonly string[], lists: Lists): boolean {
  return lists.shells.has(commandName(argv)) && shellReadsStdin(argv);
}

function isNetworkClient(argv: readonly string[]): boolean {
  const name = commandName(argv);
  return NETWORK_CLIENTS.has(name) && (name !== 'openssl' || argv.includes('s_client'));
}

/** A network client feeding a shell's standard input, or, through a fifo, a shell feeding one. */
function relayShape(commands: readonly (readonly string[])[], fifo: boolean, lists: Lists): string | undefined {
  let net = false;
  let shell = false;
  for (const argv of commands) {
    net ||= isNetworkClient(argv);
    if (!shellReadingStdin(argv, lists)) continue;
    if (net) return 'network client piped into a shell';
    shell = true;
  }
  return fifo && net && shell ? 'fifo relay between a shell and a network client' : undefined;
}

const redirectsTo = (seg: SimpleCommand, fds: ReadonlySet<string>) => seg.redirects.some((r) => (r.op === '<&' || r.op === '>&') && fds.has(r.target));

/**
 * How a command line wires a shell to the network: a shell whose own
 * descriptors go to /dev/tcp, a descriptor opened on /dev/tcp (exec 5<>)
 * or by zsh's ztcp and then handed to a shell or to a loop running what it
 * reads, a network client piped into a shell, a fifo relay, or any of the
 * program shapes in one of its commands. A bare redirection (`echo >
 * /dev/tcp/db/5432`, `</dev/tcp/kafka/9092`) is a port check, not a shell.
 */
function judgeLine(line: ParsedLine, lists: Lists, depth: number): string | undefined {
  const onSocket = new Set<string>();
  let fifo = false;
  for (const pipeline of line.pipelines) {
    const commands = pipeline.map((seg) => unwrapCommand(seg.words));
    for (const [k, seg] of pipeline.entries()) {
      const argv = commands[k];
      const name = commandName(argv);
      const shell = lists.shells.has(name);
      for (const r of seg.redirects) {
        if (!DEV_TCP.test(r.target)) continue;
        if (shell) return 'shell redirected to /dev/tcp';
        if (argv.length === 0 && seg.words[0] === 'exec') onSocket.add(r.fd || (r.op.startsWith('<') ? '0' : '1'));
      }
      if (name === 'ztcp') onSocket.add('$REPLY');
      if ((shell || name.startsWith('$')) && onSocket.size && redirectsTo(seg, onSocket)) return 'shell wired to a socket descriptor';
      if (name === 'mkfifo' || (name === 'mknod' && argv.includes('p'))) fifo = true;
      const how = worthJudging(name, argv, lists) ? judgeProgram(new Program(0, argv[0], argv, ''), lists, depth) : undefined;
      if (how) return how;
      if (depth < MAX_DEPTH) for (const sub of seg.subs) {
        const inSub = judgeLine(parseCommandLine(sub), lists, depth + 1);
        if (inSub) return inSub;
      }
    }
    const relay = pipeline.length > 1 ? relayShape(commands, fifo, lists) : undefined;
    if (relay) return relay;
  }
  return undefined;
}

export const reverseShell: HostRule = {
  id: 'reverse-shell',
  version: 2,
  title: 'Reverse shell',
  description:
    'A shell wired to a network connection: netcat or ncat with -e/-c/--exec/--sh-exec, socat joining a socket to ' +
    'a program, a shell or a pty, a shell whose descriptors go to /dev/tcp (directly, or through exec N<> or zsh\'s ' +
    'ztcp), a network client piped into a shell or relayed through a fifo (mkfifo, mknod p), or an interpreter ' +
    'one-liner (python, perl, ruby, php, node, awk, lua) that opens a socket and hands it to a shell. Command lines ' +
    'are read as a shell reads them (quotes, attached flags such as ruby -e\'...\', nohup/timeout/setsid in front). ' +
    'It is how an attacker gets an interactive session out of a remote-code-execution bug, through firewalls that ' +
    'only filter inbound traffic. Not raised: port checks that only redirect to /dev/tcp (echo > /dev/tcp/db/5432, ' +
    'readiness loops). Known benign: almost none in production; security testing. Triage: the destination in the ' +
    'command line or the process\'s connections (vigil events --pid), the ancestry (which service was exploited), ' +
    'and what was typed into the shell (its children).',
  severity: 'SEVERITY_CRITICAL',
  mitre: { id: 'T1059', name: 'Command and Scripting Interpreter', tactic: 'Execution' },
  sources: ['exec'],
  match(ev, ctx) {
    const how = programOf(ev).judged(judgeCommand, ctx.lists);
    if (!how) return null;
    const where = ev.container?.id ? `container ${ev.container.name || ev.container.id.slice(0, 12)}` : 'the host';
    return {
      summary: `reverse shell (${how}) in ${where}: ${commandLine(ev)}`,
      fields: { technique: how, command_line: commandLine(ev) },
    };
  },
};
