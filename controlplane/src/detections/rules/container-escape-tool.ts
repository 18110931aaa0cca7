import * as path from 'node:path';
import type { Finding, HostRule } from '../rule';
import { basename, commandLine, inContainer, programOf } from '../facts';

/** The directory chroot enters: its first operand. */
function chrootTarget(argv: readonly string[]): string | undefined {
  return argv.slice(1).find((a) => !a.startsWith('-'));
}

export const containerEscapeTool: HostRule = {
  id: 'container-escape-tool',
  version: 1,
  title: 'Container escape tool run in a container',
  description:
    'A process in a container ran a tool that enters other namespaces or another root: nsenter (`nsenter -t 1 -m -u ' +
    '-n -i sh` is a root shell on the node from a privileged container), unshare, chroot into a host path mounted ' +
    'into the container (`chroot /host`), or a container-escape toolkit (cdk, deepce, amicontained, botb, kdigger). ' +
    'Inside a workload these have one use: breaking out. Known benign: node-debugging pods (kubectl debug node/...) ' +
    'and privileged node agents that manage the host; list them as exceptions. Triage: whether the container is ' +
    'privileged or shares the host PID namespace, the target (pid 1 is the node), and what ran next.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1611', name: 'Escape to Host', tactic: 'Privilege Escalation' },
  sources: ['exec'],
  match(ev, ctx): Finding | null {
    if (!inContainer(ev)) return null;
    const p = programOf(ev);
    if (!p.in(ctx.lists.escape_tools)) return null;
    if (p.named('chroot')) {
      // chroot into the container's own directories is a build habit; into a host mount it is the escape.
      const target = chrootTarget(p.argv);
      const mounts = ctx.container()?.details?.host_mounts ?? [];
      const hostMount = target && mounts.find((m) => { const t = path.posix.normalize(target); return t === m.container_path || t.startsWith(`${m.container_path}/`); });
      if (!hostMount) return null;
      return {
        summary: `chroot into ${target}, the node's ${hostMount.host_path}, in container ${ev.container!.name || ev.container!.id.slice(0, 12)}: ${commandLine(ev)}`,
        fields: { tool: 'chroot', host_path: hostMount.host_path, command_line: commandLine(ev) },
      };
    }
    return {
      summary: `${basename(p.exe)} run in container ${ev.container!.name || ev.container!.id.slice(0, 12)}: ${commandLine(ev)}`,
      fields: { tool: basename(p.exe), command_line: commandLine(ev) },
    };
  },
};
