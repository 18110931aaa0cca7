import type { HostRule } from '../rule';
import { ancestorsOf, basename, commandLine, inContainer, isShellLike, isWebServer, programOf, shellCommand, toolKind } from '../facts';

export const webShellActivity: HostRule = {
  id: 'web-shell-activity',
  version: 1,
  title: 'Web server spawned a shell or an attacker\'s tool',
  description:
    'A web or application server (nginx, Apache, PHP-FPM, Tomcat, gunicorn, puma, ...; in a container also any ' +
    'Node.js, Java or PHP runtime, which on a host run tools as often as servers) started a ' +
    'shell, a recon tool (id, whoami, uname, cat /etc/passwd), a download or network tool (curl, wget, nc, socat), ' +
    'an interpreter one-liner (python -c, perl -e), or a program from a writable directory, directly or through ' +
    'shells. Serving requests never needs that: it is what a web shell or a remote-code-execution exploit does ' +
    'first. The server is recognised by its executable and arguments; the child by its name and by how it is ' +
    'called, so a shell copied under another name still counts when it takes `-c`. Known benign: PHP mail() and ' +
    'Apache piped logs run sendmail or rotatelogs through `sh -c` (not raised); applications that shell out by ' +
    'design (ImageMagick, git); add exceptions on `process` or `command`. Triage: the request that reached the ' +
    'server at that time, the files it wrote, and what the children did next (connections, downloads).',
  severity: 'SEVERITY_CRITICAL',
  mitre: { id: 'T1505.003', name: 'Server Software Component: Web Shell', tactic: 'Persistence' },
  sources: ['exec'],
  match(ev, ctx) {
    const child = programOf(ev);
    const kind = toolKind(child, ctx.lists);
    const contained = inContainer(ev);
    if (!kind || isWebServer(child, ctx.lists, contained)) return null;
    // Up the chain through shells and tools to the first other program: a web server there is the finding.
    for (const parent of ancestorsOf(ev)) {
      if (isWebServer(parent, ctx.lists, contained)) {
        const command = shellCommand(child.argv);
        if (command !== undefined && ctx.lists.web_server_helpers.has(basename(command.trim().split(/\s+/)[0] ?? ''))) return null;
        return {
          summary: `${basename(parent.exe) || parent.comm} (pid ${parent.pid}) ran ${kind} ${ev.exec!.filename}: ${commandLine(ev)}`,
          fields: { server: parent.exe || parent.comm, server_pid: String(parent.pid), tool_kind: kind, command_line: commandLine(ev) },
          key: `${parent.exe || parent.comm}>${commandLine(ev).slice(0, 512)}`,
        };
      }
      if (!isShellLike(parent, ctx.lists) && !toolKind(parent, ctx.lists)) return null;
    }
    return null;
  },
};
