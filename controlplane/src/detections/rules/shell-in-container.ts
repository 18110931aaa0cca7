import type { Lists } from '../lists';
import type { ContainerFacts } from '../../correlation/container-registry';
import type { HostRule } from '../rule';
import { isWrapper } from '../command-line';
import { ancestorsOf, commandLine, inContainer, inWritableDir, isCommandRunner, isContainerInit, isRuntimeProcess, isShell, programOf, type Program } from '../facts';

/**
 * How a shell that is not the container's entrypoint came to run: run into
 * the container by the runtime (kubectl exec, crictl exec, an exec probe),
 * spawned by one of the container's programs, or part of the entrypoint's
 * own script (every process between it and the entrypoint a shell, an init
 * wrapper, a command wrapper such as su -c, runuser, sudo, xargs, nohup or
 * timeout, or a program that runs commands by design such as make or an npm
 * script), which is the image's design and not a finding.
 */
export function shellOrigin(ancestry: readonly Program[], facts: ContainerFacts | undefined, lists: Lists): { how: 'runtime-exec' | 'spawned' | 'entrypoint-script'; by?: Program } {
  const inside: Program[] = [];
  for (const a of ancestry) {
    if (isRuntimeProcess(a, lists)) break;
    inside.push(a);
    if (facts?.initPid && a.pid === facts.initPid) break;
  }
  const top = inside.at(-1);
  // Nothing of the container between the shell and the runtime, or a top that is
  // not the entrypoint the runtime reported: a session the runtime opened.
  if (!top || (facts?.initPid && top.pid !== facts.initPid && inside.length < ancestry.length)) return { how: 'runtime-exec', by: inside[0] };
  const spawner = inside.find((a) => !a.in(lists.shells) && !a.in(lists.init_wrappers) && !isWrapper(a.exeName) && !isCommandRunner(a, lists));
  return spawner ? { how: 'spawned', by: spawner } : { how: 'entrypoint-script' };
}

export const shellInContainer: HostRule = {
  id: 'shell-in-container',
  version: 3,
  title: 'Shell spawned in a container',
  description:
    'A shell started inside a running container, other than by the container\'s own entrypoint script. Production ' +
    'containers rarely need one: a shell there is how an attacker with code execution (a web shell, an exploited ' +
    'service, kubectl exec with stolen credentials) explores and persists. Raised for shells the runtime runs into the ' +
    'container (kubectl exec, crictl exec: the process is not the container\'s first process) and for shells an ' +
    'application spawns; not for the entrypoint itself nor for shells its scripts start (every process between them ' +
    'a shell, an init wrapper such as tini, su -c, runuser, sudo, xargs, make or an npm script). A shell is known by ' +
    'its name (busybox applets and the dynamic loader, ld-linux.so /bin/sh, seen through); a program the runtime ' +
    'runs from a writable directory (/tmp, /dev/shm) counts too, as a renamed shell may be one. Known benign: exec liveness/readiness probes that run `sh -c` (one alert per container and command, ' +
    'numbers and ids in it aside, then only its count grows; silence them with an exception on `command`), ' +
    'operators debugging with kubectl exec. Triage: the ancestry (who spawned it), the command line, the matching ' +
    'k8s-pod-exec audit alert for a runtime exec, and whether a terminal was attached (terminal-shell-in-container).',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1059.004', name: 'Command and Scripting Interpreter: Unix Shell', tactic: 'Execution' },
  sources: ['exec'],
  match(ev, ctx) {
    if (!inContainer(ev)) return null;
    const p = programOf(ev);
    const shell = isShell(p, ctx.lists);
    if (!shell && !inWritableDir(p.exe)) return null;
    const facts = ctx.container();
    if (isContainerInit(ev, facts)) return null;
    const origin = shellOrigin(ancestorsOf(ev), facts, ctx.lists);
    // A program from a writable directory is judged only when the runtime ran it: that is where a renamed shell hides.
    if (origin.how === 'entrypoint-script' || (!shell && origin.how !== 'runtime-exec')) return null;
    const by = origin.how === 'runtime-exec' ? 'the container runtime (exec into the container)' : `${origin.by?.exe || origin.by?.comm} (pid ${origin.by?.pid})`;
    return {
      summary: `${shell ? 'shell' : 'program from a writable directory'} ${ev.exec!.filename} started in container ${ev.container!.name || ev.container!.id.slice(0, 12)} by ${by}: ${commandLine(ev)}`,
      fields: { origin: origin.how, parent: origin.by?.exe ?? ev.exec!.parent_comm, command_line: commandLine(ev) },
    };
  },
};
