/**
 * Checks an incoming event has what the store and the rules rely on. Sensors
 * are trusted to authenticate, not to be bug-free: a bad event is refused
 * with the reason, never stored half-understood.
 */
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import { EVENT_BODIES } from '../store/event-type-number';

const BODIES = new Set(EVENT_BODIES);
/** Records about the node or a container rather than one process. */
const PROCESSLESS = new Set(['loss', 'container_started']);

/** The problem with `ev`, or undefined when it is well-formed. */
export function eventProblem(ev: Event__Output): string | undefined {
  if (!ev.body || !BODIES.has(ev.body)) return `has no known body (got ${JSON.stringify(ev.body ?? null)})`;
  if (!ev[ev.body]) return `says it is ${ev.body} but carries no ${ev.body} message`;
  if (!/^\d{1,20}$/.test(ev.time_unix_nano) || ev.time_unix_nano === '0') return 'has no time_unix_nano';
  if (!PROCESSLESS.has(ev.body) && !ev.process?.pid) return 'has no process';
  if (ev.body.startsWith('container_') && !ev.container?.id) return `is a ${ev.body} record without a container id`;
  return undefined;
}
