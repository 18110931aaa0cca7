import type { HostRule } from '../rule';
import { commandLine, inContainer, isContainerEntrypoint, isShellExec } from '../facts';

export const shellInContainer: HostRule = {
  id: 'shell-in-container',
  version: 1,
  title: 'Shell spawned in a container',
  description:
    'A shell started inside a running container. Production containers rarely need one: a shell there is how an ' +
    'attacker with code execution (a web shell, an exploited service, kubectl exec) explores and persists. ' +
    "Not raised for the container's own entrypoint (parent is the runtime's init). Known benign: images whose " +
    'scripts call sh -c at run time, health checks written in shell. Triage: read the ancestry (who spawned it) ' +
    'and the command line; an interactive or network-facing parent is the strongest signal.',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1059.004', name: 'Command and Scripting Interpreter: Unix Shell', tactic: 'Execution' },
  sources: ['exec'],
  match(ev) {
    if (!inContainer(ev) || !isShellExec(ev) || isContainerEntrypoint(ev)) return null;
    return {
      summary: `shell ${ev.exec!.filename} started in container ${ev.container!.id.slice(0, 12)} by ${ev.exec!.parent_comm || 'unknown parent'}: ${commandLine(ev)}`,
      fields: { parent_comm: ev.exec!.parent_comm, command_line: commandLine(ev) },
    };
  },
};
