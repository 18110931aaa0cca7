import type { HostRule } from '../rule';
import { WATCH_CATEGORY } from '../../../../proto/watched-paths';
import { inContainer, programOf, renamedTo, runsInstalled, scriptOneLiner, shellCommand } from '../facts';
import { basename } from '../paths';

/** Shell options that take the next word as their argument. */
const OPTION_ARGUMENT = new Set(['-o', '+o', '-O', '+O', '--rcfile', '--init-file']);

/**
 * A shell that reads its commands from a terminal (the only kind that keeps
 * a history): no script operand and no -c command; -s (commands piped in)
 * only with -i. One run with no arguments but fed a pipe looks the same,
 * and is taken for one.
 */
function readsTerminal(argv: readonly string[]): boolean {
  let interactive = false;
  let piped = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (OPTION_ARGUMENT.has(a)) i++;
    else if (a === '--') return i === argv.length - 1;
    else if (a.startsWith('--') || a.startsWith('+')) continue;
    else if (a.startsWith('-')) {
      if (a.includes('c')) return false;
      interactive ||= a.includes('i');
      piped ||= a.includes('s');
    } else return false; // a script
  }
  return interactive || !piped;
}

export const shellHistoryCleared: HostRule = {
  id: 'shell-history-cleared',
  version: 1,
  title: 'Shell history cleared',
  description:
    'A shell history file (.bash_history, .zsh_history, .ash_history...) was deleted, replaced (a link to /dev/null, ' +
    'a file moved over it, a copy beside it renamed onto it) or truncated by a command (truncate, a one-liner, a ' +
    'redirection in sh -c). Read in the kernel on the resolved path. Erasing history is how an intruder hides what ' +
    'they typed. Not raised: an interactive shell (by its executable) truncating its own history file or renaming ' +
    'a fresh copy over it, which is how bash and zsh save history on exit (bash 5 writes .bash_history-PID.tmp, zsh ' +
    '.zsh_history.new, and renames it over the file), nor anything done to those copies or to zsh\'s ' +
    '.zsh_history.LOCK; a shell running a script or piped commands keeps no history and is judged like any ' +
    'command. For the same reason `> ~/.bash_history` typed at an interactive prompt is not seen. Known benign: ' +
    'image builds and hardening scripts that clear histories; except them by image or process. Triage: the ' +
    'process and its ancestry, and what the session did before.',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1070.003', name: 'Indicator Removal: Clear Command History', tactic: 'Defense Evasion' },
  sources: ['file'],
  match(ev, ctx) {
    const f = ev.file!;
    if (f.category !== WATCH_CATEGORY.shellHistory || f.result < 0) return null;
    if (!['ACCESS_TRUNCATE', 'ACCESS_DELETE', 'ACCESS_REPLACE'].includes(f.access)) return null;
    // The history file itself: the patterns are prefixes, and a shell's temporary copy or lock shares its name's start.
    // A copy beside it renamed onto it (.bash_history.bak, bash 5's .bash_history-PID.tmp) replaced it.
    const history = basename(f.watched);
    const onto = renamedTo(f);
    const access = onto !== undefined && basename(onto) === history ? 'ACCESS_REPLACE' : f.access;
    const path = access === f.access ? f.path : onto!;
    if (!f.watched.endsWith('/') && basename(path) !== history) return null;
    const p = programOf(ev);
    // A shell saving its own history rewrites the file or renames a fresh copy over it; one running a command given to it is that command.
    // The shell is its executable file: a process may call itself bash.
    const saving = access === 'ACCESS_TRUNCATE' || access === 'ACCESS_REPLACE';
    if (saving && runsInstalled(p, ctx.lists.shells) && shellCommand(p.argv) === undefined && scriptOneLiner(p, ctx.lists) === undefined && readsTerminal(p.argv)) return null;
    const how = { ACCESS_TRUNCATE: 'truncated', ACCESS_DELETE: 'deleted', ACCESS_REPLACE: 'replaced' }[access as 'ACCESS_TRUNCATE'];
    return {
      summary: `${ev.process!.exe} ${how} ${path}${inContainer(ev) ? ` in container ${ev.container!.name || ev.container!.id.slice(0, 12)}` : ''}: ${ev.process!.argv.join(' ')}`,
      fields: { path, access, process: ev.process!.exe, command_line: ev.process!.argv.join(' ') },
      key: `${ev.process!.exe}>${path}`,
    };
  },
};
