import type { Finding, HostRule } from '../rule';
import type { Lists } from '../lists';
import { commandLine, inContainer, programOf, resolveInParentShell, type Program } from '../facts';

/** chroot's options that take a value. */
const CHROOT_VALUES: ReadonlySet<string> = new Set(['--userspec', '--groups']);

/** The directory chroot enters: its first operand. */
function chrootTarget(argv: readonly string[]): string | undefined {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return argv[i + 1];
    if (CHROOT_VALUES.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** nsenter called like nsenter, whatever its file is named: a target pid and a namespace to enter. */
const NSENTER_TARGET = /^(-t\d*|--target(=\d+)?)$/;
const NSENTER_NAMESPACE = /^(-[muinpUCTa]+|--(mount|uts|ipc|net|pid|user|cgroup|time|all)(=.*)?)$/;

function calledLikeNsenter(argv: readonly string[]): boolean {
  return argv.some((a, i) => i > 0 && NSENTER_TARGET.test(a)) && argv.some((a, i) => i > 0 && NSENTER_NAMESPACE.test(a));
}

/** The escape tool a program is: by its executable, or nsenter by its arguments. */
function escapeTool(p: Program, lists: Lists): string | undefined {
  return lists.escape_tools.has(p.exeName) ? p.exeName : calledLikeNsenter(p.argv) ? 'nsenter' : undefined;
}

/** Another process's root, /proc/N/root: with the host's pid namespace, pid 1's is the node's. */
const PROC_ROOT = /^\/proc\/\d+\/root(\/|$)/;

export const containerEscapeTool: HostRule = {
  id: 'container-escape-tool',
  version: 2,
  title: 'Container escape tool run in a container',
  description:
    'A process in a container ran a tool that enters other namespaces or another root: nsenter (`nsenter -t 1 -m -u ' +
    '-n -i sh` is a root shell on the node from a privileged container), unshare, chroot into a host path mounted ' +
    'into the container (`chroot /host`), into another process\'s root (`chroot /proc/1/root` with the host\'s pid ' +
    'namespace) or into a relative path whose directory the event does not tell, or a container-escape toolkit (cdk, ' +
    'deepce, amicontained, botb, kdigger). The tool is known by its executable, not by the argv[0] its caller ' +
    'chose, and nsenter also by its arguments when renamed. Inside a workload these have one use: breaking out. ' +
    'Known benign: node-debugging pods (kubectl debug node/...) and privileged node agents that manage the host; ' +
    'list them as exceptions. Triage: whether the container is privileged or shares the host PID namespace, the ' +
    'target (pid 1 is the node), and what ran next.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1611', name: 'Escape to Host', tactic: 'Privilege Escalation' },
  sources: ['exec'],
  match(ev, ctx): Finding | null {
    if (!inContainer(ev)) return null;
    const p = programOf(ev);
    const tool = p.judged(escapeTool, ctx.lists);
    if (!tool) return null;
    const where = `container ${ev.container!.name || ev.container!.id.slice(0, 12)}`;
    if (tool === 'chroot') {
      // chroot into the container's own directories is a build habit; into the node's it is the escape.
      const target = chrootTarget(p.argv);
      if (target === undefined) return null;
      const details = ctx.container()?.details;
      const resolved = resolveInParentShell(target, ev);
      const hostMount = resolved === undefined ? undefined : details?.host_mounts.find((m) => resolved === m.container_path || resolved.startsWith(`${m.container_path}/`));
      const into = hostMount ? `the node's ${hostMount.host_path}` : resolved === undefined ? 'a relative path (working directory unknown)' : PROC_ROOT.test(resolved) ? `another process's root${details?.host_pid ? ' (host pid namespace: the node)' : ''}` : undefined;
      if (!into) return null;
      return {
        summary: `chroot into ${target}, ${into}, in ${where}: ${commandLine(ev)}`,
        fields: { tool, host_path: hostMount?.host_path ?? '', target: resolved ?? target, command_line: commandLine(ev) },
      };
    }
    return {
      summary: `${tool}${tool === p.exeName ? '' : ` (as ${p.exe})`} run in ${where}: ${commandLine(ev)}`,
      fields: { tool, command_line: commandLine(ev) },
    };
  },
};
