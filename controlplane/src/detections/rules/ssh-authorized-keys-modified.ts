import type { HostRule } from '../rule';
import { WATCH_CATEGORY } from '../../../../proto/watched-paths';
import { basename, exchanged, inContainer, inWritableDir, programOf, renamedTo, runsInstalled, type Program } from '../facts';
import type { Lists } from '../lists';

/** The files sshd takes keys from (AuthorizedKeysFile's defaults). */
const AUTHORIZED_KEYS = /^authorized_keys2?$/;
/** What changes the keys, or (a link) opens a way to change them unseen: writes through a link are not watched. */
const CHANGES: ReadonlySet<string> = new Set(['ACCESS_WRITE', 'ACCESS_TRUNCATE', 'ACCESS_REPLACE', 'ACCESS_LINK']);

/** Whether `path` is a keys file: by its name, or under a pattern a rules file added for one (AuthorizedKeysFile /etc/ssh/authorized_keys/%u). */
function keysFile(path: string, watched: string): boolean {
  return AUTHORIZED_KEYS.test(basename(path)) || watched.includes('authorized_keys');
}

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
    'A user\'s authorized_keys (or authorized_keys2, or a file under a keys directory a rules file watches) was ' +
    'written, truncated or replaced: appended to (echo key >> ~/.ssh/authorized_keys), rewritten, or had another ' +
    'file moved over it; or a link was made to it, through which writes are not seen; on the node or in a ' +
    'container. Read in the kernel on the resolved path, whichever program writes it; a .ssh directory replaced by ' +
    'a symbolic link is not seen. A key added there lets whoever holds it log in ' +
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
    if (f.category !== WATCH_CATEGORY.ssh || f.result < 0) return null;
    // A copy renamed onto the keys from beside them (authorized_keys.new, ~/.ssh/k) arrives as the copy's deletion.
    // Or it was swapped with another file: the keys' name now holds that file.
    const onto = renamedTo(f);
    const path = onto ?? f.path;
    const replaced = keysFile(path, f.watched) && (onto !== undefined || exchanged(f));
    if (!replaced && (!CHANGES.has(f.access) || !keysFile(f.path, f.watched))) return null;
    if (keyManager(programOf(ev), ctx.lists)) return null;
    const how = replaced ? 'replaced' : { ACCESS_WRITE: 'wrote to', ACCESS_TRUNCATE: 'rewrote', ACCESS_REPLACE: 'replaced', ACCESS_LINK: 'made a link to' }[f.access as 'ACCESS_WRITE'];
    return {
      summary: `${ev.process!.exe} ${how} ${path}${inContainer(ev) ? ` in container ${ev.container!.name || ev.container!.id.slice(0, 12)}` : ''}: ${ev.process!.argv.join(' ')}`,
      fields: { path, access: replaced ? 'ACCESS_REPLACE' : f.access, process: ev.process!.exe, command_line: ev.process!.argv.join(' ') },
      key: `${ev.process!.exe}>${path}`,
    };
  },
};
