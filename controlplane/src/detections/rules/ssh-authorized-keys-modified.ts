import type { HostRule } from '../rule';
import { WATCH_CATEGORY } from '../../../../proto/watched-paths';
import { basename, inContainer, inWritableDir, programOf, runsInstalled, type Program } from '../facts';
import type { Lists } from '../lists';

/** The files sshd takes keys from (AuthorizedKeysFile's defaults). */
const AUTHORIZED_KEYS = /^authorized_keys2?$/;
const CHANGES: ReadonlySet<string> = new Set(['ACCESS_WRITE', 'ACCESS_TRUNCATE', 'ACCESS_REPLACE']);

/** A cloud agent that puts the instance's keys in place, by its installed executable or, for a Python agent, its installed script. */
function keyManager(p: Program, lists: Lists): boolean {
  if (runsInstalled(p, lists.ssh_key_managers)) return true;
  const script = p.interpreterCall?.script;
  return script !== undefined && script.startsWith('/') && !inWritableDir(script) && lists.ssh_key_managers.has(basename(script));
}

export const sshAuthorizedKeysModified: HostRule = {
  id: 'ssh-authorized-keys-modified',
  version: 1,
  title: 'SSH authorized_keys modified',
  description:
    'A user\'s authorized_keys (or authorized_keys2) was written, truncated or replaced: appended to (echo key >> ' +
    '~/.ssh/authorized_keys), rewritten, or had another file moved over it, on the node or in a container. Read in ' +
    'the kernel on the resolved path, whichever program writes it. A key added there lets whoever holds it log in ' +
    'again, whatever happens to the way they first got in: the commonest persistence on Linux hosts. Not raised: ' +
    'reading it (sshd does at each login), the cloud agents that install the instance\'s keys (the ' +
    'ssh_key_managers list: google_guest_agent, cloud-init, waagent...). Known benign: an administrator adding a ' +
    'key by hand or ssh-copy-id; except them by process or user. Triage: the key added (its comment often names ' +
    'the attacker\'s host), the process and its ancestry, and logins that follow.',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1098.004', name: 'Account Manipulation: SSH Authorized Keys', tactic: 'Persistence' },
  sources: ['file'],
  match(ev, ctx) {
    const f = ev.file!;
    if (f.category !== WATCH_CATEGORY.ssh || !CHANGES.has(f.access) || f.result < 0 || !AUTHORIZED_KEYS.test(basename(f.path))) return null;
    if (keyManager(programOf(ev), ctx.lists)) return null;
    const how = { ACCESS_WRITE: 'wrote to', ACCESS_TRUNCATE: 'rewrote', ACCESS_REPLACE: 'replaced' }[f.access as 'ACCESS_WRITE'];
    return {
      summary: `${ev.process!.exe} ${how} ${f.path}${inContainer(ev) ? ` in container ${ev.container!.name || ev.container!.id.slice(0, 12)}` : ''}: ${ev.process!.argv.join(' ')}`,
      fields: { path: f.path, access: f.access, process: ev.process!.exe, command_line: ev.process!.argv.join(' ') },
      key: `${ev.process!.exe}>${f.path}`,
    };
  },
};
