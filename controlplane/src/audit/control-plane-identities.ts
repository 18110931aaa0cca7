/**
 * The control plane's own identities, by exact name. Being one of them is
 * decided by what the API server authenticated (the event's `user`), never
 * by a name prefix a user could also get (`system:serviceaccount:kube-system:`
 * holds every add-on someone installed there) and never by labels or
 * annotations on the object written.
 */

import { listsInForce, type Lists } from '../detections/lists';

const users = new WeakMap<Lists, ReadonlySet<string>>();

/** Every control-plane user name; the one place rules read the list from. */
export function controlPlaneUsers(): ReadonlySet<string> {
  const lists = listsInForce();
  let set = users.get(lists);
  if (!set) users.set(lists, (set = new Set([...lists.control_plane_users, ...[...lists.control_plane_service_accounts].map((sa) => `system:serviceaccount:kube-system:${sa}`)])));
  return set;
}

/** Whether the authenticated identity is the control plane itself, or a node's kubelet. */
export function isControlPlane(username: string, groups: readonly string[]): boolean {
  return controlPlaneUsers().has(username) || (username.startsWith('system:node:') && groups.includes('system:nodes'));
}
