/**
 * Whether a process in a container is the workload itself: what the image
 * runs (its entrypoint, and the programs the entrypoint became), as opposed
 * to what someone ran in it since (kubectl exec, a web shell, a dropped
 * tool). Reading its own token or credentials, or talking to the API
 * server, is the workload's business; the same by anything else is the
 * attack.
 */
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import type { ContainerFacts, RecentExec } from '../correlation/container-registry';
import { Program, isContainerInit, isShellLike, programOf } from './facts';
import type { Lists } from './lists';

/**
 * What a program is for the question "is this the image's own program": its
 * executable, and for an interpreter the script or module it runs. Code
 * given on the command line is never the image's program.
 */
export function programKey(p: Program): string | undefined {
  const call = p.interpreterCall;
  if (!call) return p.exe;
  return call.code === undefined ? `${p.exe} ${call.module ?? call.script ?? ''}` : undefined;
}

/** Each entrypoint exec's key, worked out once: every file read and API-server connect in its container asks. */
const initExecKeys = new WeakMap<RecentExec, string | undefined>();

function initExecKey(e: RecentExec): string | undefined {
  if (!initExecKeys.has(e)) initExecKeys.set(e, programKey(new Program(0, e.filename, e.argv, '')));
  return initExecKeys.get(e);
}

/** Whether `p` runs one of the programs the container's entrypoint ran. */
export function runsImageProgram(p: Program, facts: ContainerFacts | undefined): boolean {
  const key = programKey(p);
  return key !== undefined && !!facts?.initExecs.some((e) => initExecKey(e) === key);
}

export function isWorkloadItself(ev: Event__Output, facts: ContainerFacts | undefined, lists: Lists): boolean {
  if (!ev.process) return false;
  if (isContainerInit(ev, facts)) return true;
  // The app's own workers (gunicorn's, nginx's): the entrypoint's descendants running its program. A session
  // opened into the container descends from the runtime instead, and a shell is never the app.
  if (!facts?.initPid || !ev.ancestry.some((a) => a.pid === facts.initPid)) return false;
  const program = programOf(ev);
  return runsImageProgram(program, facts) && !isShellLike(program, lists);
}
