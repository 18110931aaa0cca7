/**
 * Container id from the name of a process's leaf cgroup, as the runtimes
 * name them: a bare 64-hex id (containerd/CRI cgroupfs, `/docker/<id>`,
 * `/kubepods/.../pod<uid>/<id>`) or a systemd scope wrapping it
 * (`cri-containerd-<id>.scope`, `crio-<id>.scope`, `docker-<id>.scope`,
 * `libpod-<id>.scope`). Anything else is the host: an empty id, never a guess.
 */
const BARE_ID = /^[0-9a-f]{64}$/;
const SCOPE_ID = /^(?:cri-containerd|crio|docker|libpod)-([0-9a-f]{64})\.scope$/;

export function containerIdFromCgroupName(name: string): string {
  if (BARE_ID.test(name)) return name;
  const m = SCOPE_ID.exec(name);
  return m ? m[1] : '';
}
