import type { HostRule } from '../rule';
import { commandLine, programOf, scriptOneLiner, shellCommand } from '../facts';

const NETCATS: ReadonlySet<string> = new Set(['nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd']);
/** nc/ncat/netcat handing a program its socket. */
const NETCAT_EXEC = /^(-[a-zA-Z]*[ec]|--exec|--sh-exec|--lua-exec)$/;
/** socat joining a socket to a program or a pty. */
const SOCAT_SHELL = /^(exec|system):|^pty\b|,pty\b/i;
/** Shell lines that wire a shell to the network. */
const SHELL_PATTERNS: [RegExp, string][] = [
  [/\/dev\/(tcp|udp)\/[^/\s]+\/\d+/, 'redirection to /dev/tcp'],
  [/\bmkfifo\b[\s\S]*\|[\s\S]*\b(nc|ncat|netcat|telnet|openssl|socat)\b/, 'mkfifo pipeline to a network tool'],
  [/\b(nc|ncat|netcat)\b[^|;&]*\s-[a-zA-Z]*[ec]\s/, 'netcat -e'],
  [/\btelnet\b[^|]*\|\s*\/?[\w/]*\b(ba|da|z|k)?sh\b[^|]*\|\s*telnet\b/, 'telnet relay'],
  [/\bopenssl\s+s_client\b[\s\S]*\|\s*\/?[\w/]*\b(ba|da|z|k)?sh\b/, 'openssl s_client relay'],
  [/\bsocat\b[\s\S]*\b(exec|system):/i, 'socat exec'],
];
/** Interpreter one-liners that connect out and hand the connection to a shell. */
const ONE_LINER_PATTERNS: [RegExp, RegExp, string][] = [
  [/\bsocket\b/, /subprocess|pty\.spawn|os\.dup2|\/bin\/(ba|da|z)?sh|os\.system/, 'python socket to a shell'],
  [/\bSocket\b|IO::Socket/, /\bexec\b|system\s*\(|open\s*\(\s*STDIN/, 'perl socket to a shell'],
  [/TCPSocket|Socket\.new/, /\bexec\b|spawn|system|popen|IO\.popen/, 'ruby socket to a shell'],
  [/fsockopen|socket_create|stream_socket_client/, /exec|shell_exec|system|passthru|proc_open|popen|`/, 'php socket to a shell'],
  [/require\(\s*['"](net|node:net)['"]\s*\)|net\.Socket|new\s+net\./, /child_process|spawn|exec/, 'node socket to a shell'],
  [/\/inet\/tcp\//, /./, 'awk /inet/tcp'],
  [/socket\.connect|require\(\s*['"]socket['"]\s*\)/, /io\.popen|os\.execute/, 'lua socket to a shell'],
];

export const reverseShell: HostRule = {
  id: 'reverse-shell',
  version: 1,
  title: 'Reverse shell',
  description:
    'A shell wired to a network connection: netcat or ncat with -e/-c, socat joining a socket to a program or a pty, ' +
    'a shell redirected to /dev/tcp, a mkfifo pipeline through nc, telnet or openssl, or an interpreter one-liner ' +
    '(python, perl, ruby, php, node, awk, lua) that opens a socket and hands it to a shell. It is how an attacker ' +
    'gets an interactive session out of a remote-code-execution bug, through firewalls that only filter inbound ' +
    'traffic. Known benign: almost none in production; security testing. Triage: the destination in the command ' +
    'line or the process\'s connections (vigil events --pid), the ancestry (which service was exploited), and what ' +
    'was typed into the shell (its children).',
  severity: 'SEVERITY_CRITICAL',
  mitre: { id: 'T1059', name: 'Command and Scripting Interpreter', tactic: 'Execution' },
  sources: ['exec'],
  match(ev, ctx) {
    const p = programOf(ev);
    let how: string | undefined;
    if (p.in(NETCATS) && p.argv.some((a, i) => i > 0 && NETCAT_EXEC.test(a))) how = 'netcat -e';
    else if (p.named('socat') && p.argv.slice(1).some((a) => SOCAT_SHELL.test(a))) how = 'socat exec/pty';
    else {
      const code = shellCommand(p.argv) ?? scriptOneLiner(p, ctx.lists);
      if (code !== undefined) {
        how = SHELL_PATTERNS.find(([re]) => re.test(code))?.[1];
        how ??= ONE_LINER_PATTERNS.find(([socket, shell]) => socket.test(code) && shell.test(code))?.[2];
      }
    }
    if (!how) return null;
    const where = ev.container?.id ? `container ${ev.container.name || ev.container.id.slice(0, 12)}` : 'the host';
    return {
      summary: `reverse shell (${how}) in ${where}: ${commandLine(ev)}`,
      fields: { technique: how, command_line: commandLine(ev) },
    };
  },
};
