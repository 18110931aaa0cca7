/**
 * A container id as a filter names it: the whole id or a prefix of it, at
 * least this long, so that a typo of one or two characters is an error, not
 * a filter that quietly matches a share of all containers.
 */
import { VigilError } from './errors';

export const MIN_CONTAINER_PREFIX = 4;

export function checkContainerPrefix(prefix: string): void {
  if (prefix.length < MIN_CONTAINER_PREFIX) throw new VigilError('INVALID_ARGUMENT', `container id prefix "${prefix}" is too short: give at least ${MIN_CONTAINER_PREFIX} characters`);
}
