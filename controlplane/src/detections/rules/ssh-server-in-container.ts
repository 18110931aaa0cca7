import type { HostRule } from '../rule';
import type { Lists } from '../lists';
import { commandLine, inContainer, inWritableDir, programOf, type Program } from '../facts';

/** sshd's or dropbear's way of being called: in the foreground (-D, -F) with a port, config or host key, and no operand. */
function calledLikeSshd(argv: readonly string[]): boolean {
  const opts = argv.slice(1);
  return opts.some((a) => /^-[DFR]$/.test(a)) && opts.some((a) => /^-[pfhrE]/.test(a)) && opts.every((a, i) => a.startsWith('-') || /^-[pfhrEbcCgkoPW]$/.test(opts[i - 1] ?? ''));
}

/** An SSH server by name, or a copy in a writable directory called like one. */
function isSshServer(p: Program, lists: Lists): boolean {
  return p.in(lists.ssh_servers) || (inWritableDir(p.exe) && calledLikeSshd(p.argv));
}

export const sshServerInContainer: HostRule = {
  id: 'ssh-server-in-container',
  version: 2,
  title: 'SSH server running in a container',
  description:
    'An SSH server (sshd, dropbear, tinysshd...) started in a container, recognised by its executable, its ' +
    'arguments and its process name, and, copied under another name into a writable directory (/tmp, /dev/shm), by ' +
    'being called like one (-D or -F with a port, config or host key). Containers are reached through the orchestrator, not SSH: an SSH daemon in one ' +
    'is a backdoor an attacker installed for persistent access, or an image that breaks the platform\'s access ' +
    'controls (no audit log of who logged in). Known benign: bastion or git-over-SSH images that exist to serve ' +
    'SSH; list them as exceptions. Triage: the image, whether the binary came with it or was installed at run time ' +
    '(package-manager-in-container, download-and-execute), and who connected.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1021.004', name: 'Remote Services: SSH', tactic: 'Lateral Movement' },
  sources: ['exec'],
  match(ev, ctx) {
    if (!inContainer(ev)) return null;
    const p = programOf(ev);
    if (!p.judged(isSshServer, ctx.lists)) return null;
    return {
      summary: `SSH server ${ev.exec!.filename} started in container ${ev.container!.name || ev.container!.id.slice(0, 12)} (${ev.container!.image || 'unknown image'}): ${commandLine(ev)}`,
      fields: { image: ev.container!.image, command_line: commandLine(ev) },
      // sshd re-execs itself per connection: one alert per container and server binary.
      key: ev.exec!.filename,
    };
  },
};
