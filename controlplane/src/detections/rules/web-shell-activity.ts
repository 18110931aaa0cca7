import type { HostRule } from '../rule';
import type { Lists } from '../lists';
import { isWrapper } from '../command-line';
import { ancestorsOf, basename, commandLine, inContainer, isRealServer, isShellLike, isWebServer, programOf, toolKind, type Program } from '../facts';

/**
 * A helper a server runs by design through a shell (PHP mail() runs `sh -c
 * "/usr/sbin/sendmail -t -i"`, Apache piped logs run rotatelogs): one
 * simple command, no pipes, lists or substitutions, whose program is a
 * listed helper.
 */
function isHelperCall(p: Program, lists: Lists): boolean {
  const line = p.shellLine;
  if (!line || line.pipelines.length !== 1 || line.pipelines[0].length !== 1) return false;
  const [cmd] = line.pipelines[0];
  return cmd.subs.length === 0 && cmd.words.length > 0 && lists.web_server_helpers.has(basename(cmd.words[0]));
}

export const webShellActivity: HostRule = {
  id: 'web-shell-activity',
  version: 2,
  title: 'Web server spawned a shell or an attacker\'s tool',
  description:
    'A web or application server (nginx, Apache, PHP-FPM, Tomcat, gunicorn, puma, ...; in a container also any ' +
    'Node.js, Java or PHP runtime, which on a host run tools as often as servers, unless it runs a command runner: ' +
    'npm, yarn, composer, artisan, Gradle, Jenkins) started a shell, a recon tool (id, whoami, uname, cat ' +
    '/etc/passwd), a download or network tool (curl, wget, nc, socat), an interpreter one-liner (python -c, perl ' +
    '-e, node -e, php -r), or a program or script from a writable directory, directly or through shells and ' +
    'wrappers (nohup, timeout, setsid, nice, stdbuf, xargs, env). Serving requests never needs that: it is what a ' +
    'web shell or a remote-code-execution exploit does first. The server is recognised by its executable, or by ' +
    'the module, script or title an interpreter runs as whole names (python -m flask run, gunicorn, puma); the ' +
    'child by its name and by how it is called, so a shell copied under another name still counts when it takes ' +
    '`-c`. A child that looks like a server is the server\'s own only when its executable is a server\'s outside ' +
    'the writable directories and runs no one-liner. Known benign: PHP mail() and Apache piped logs run sendmail or ' +
    'rotatelogs through `sh -c` (not raised when that is the whole command line); applications that shell out by ' +
    'design (ImageMagick, git); add exceptions on `process` or `command`. Triage: the request that reached the ' +
    'server at that time, the files it wrote, and what the children did next (connections, downloads).',
  severity: 'SEVERITY_CRITICAL',
  mitre: { id: 'T1505.003', name: 'Server Software Component: Web Shell', tactic: 'Persistence' },
  sources: ['exec'],
  match(ev, ctx) {
    const child = programOf(ev);
    const kind = toolKind(child, ctx.lists);
    const contained = inContainer(ev);
    if (!kind || isRealServer(child, ctx.lists)) return null;
    // Up the chain through shells, wrappers and tools to the first other program: a web server there is the finding.
    for (const parent of ancestorsOf(ev)) {
      if (isWebServer(parent, ctx.lists, contained)) {
        if (isHelperCall(child, ctx.lists)) return null;
        return {
          summary: `${basename(parent.exe) || parent.comm} (pid ${parent.pid}) ran ${kind} ${ev.exec!.filename}: ${commandLine(ev)}`,
          fields: { server: parent.exe || parent.comm, server_pid: String(parent.pid), tool_kind: kind, command_line: commandLine(ev) },
          key: `${parent.exe || parent.comm}>${commandLine(ev).slice(0, 512)}`,
        };
      }
      if (!isShellLike(parent, ctx.lists) && !isWrapper(parent.exeName) && !toolKind(parent, ctx.lists)) return null;
    }
    return null;
  },
};
