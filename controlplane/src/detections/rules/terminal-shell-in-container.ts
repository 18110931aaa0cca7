import type { HostRule } from '../rule';
import { commandLine, inContainer, inWritableDir, isShellLike, programOf } from '../facts';

export const terminalShellInContainer: HostRule = {
  id: 'terminal-shell-in-container',
  version: 3,
  title: 'Interactive shell with a terminal in a container',
  description:
    'A shell with a controlling terminal inside a container: someone is typing in it, as with kubectl exec -it, ' +
    'docker exec -it, kubectl run -it, or a reverse shell upgraded to a pty (python pty.spawn, script). Legitimate ' +
    'during debugging by an operator; in production it should be rare and attributable. Triage: check who holds ' +
    'exec rights on the pod and the Kubernetes audit log for the matching pods/exec request; no such request means ' +
    'the terminal came from inside (a reverse shell).',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1609', name: 'Container Administration Command', tactic: 'Execution' },
  sources: ['exec'],
  match(ev, ctx) {
    if (!inContainer(ev) || !ev.exec!.has_tty) return null;
    const p = programOf(ev);
    if (!isShellLike(p, ctx.lists) && !inWritableDir(p.exe)) return null;
    return {
      summary: `interactive shell ${ev.exec!.filename} with a terminal in container ${ev.container!.name || ev.container!.id.slice(0, 12)} (uid ${ev.process?.uid}): ${commandLine(ev)}`,
      fields: { command_line: commandLine(ev), uid: String(ev.process?.uid ?? '') },
    };
  },
};
