/**
 * Whether a process in a container is the workload itself: what the image
 * runs (its entrypoint, and the programs the entrypoint became), as opposed
 * to what someone ran in it since (kubectl exec, a web shell, a dropped
 * tool). Reading its own token or credentials is the workload's business;
 * the same read by anything else is the attack.
 */
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import type { ContainerFacts } from '../correlation/container-registry';
import { isContainerInit, isShellLike, programOf, scriptOneLiner } from './facts';
import type { Lists } from './lists';

export function isWorkloadItself(ev: Event__Output, facts: ContainerFacts | undefined, lists: Lists): boolean {
  const p = ev.process;
  if (!p) return false;
  if (isContainerInit(p.pid, p.ns_pid, facts)) return true;
  // The app's own workers (gunicorn's, nginx's): the entrypoint's descendants running its program. A session
  // opened into the container descends from the runtime instead, and a shell or a one-liner is never the app.
  if (!facts?.initPid || !ev.ancestry.some((a) => a.pid === facts.initPid)) return false;
  const program = programOf(ev);
  return facts.initExes.has(p.exe) && !isShellLike(program, lists) && scriptOneLiner(program, lists) === undefined;
}
