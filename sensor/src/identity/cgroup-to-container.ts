/**
 * Container id from the name of a process's leaf cgroup, as the runtimes
 * name them: a bare 64-hex id (containerd/CRI cgroupfs, `/docker/<id>`,
 * `/kubepods/.../pod<uid>/<id>`) or a systemd scope wrapping it
 * (`cri-containerd-<id>.scope`, `crio-<id>.scope`, `docker-<id>.scope`,
 * `libpod-<id>.scope`). Anything else is the host: an empty id, never a guess.
 */
const BARE_ID = /^[0-9a-f]{64}$/;
const SCOPE_ID = /^(?:cri-containerd|crio|docker|libpod)-([0-9a-f]{64})\.scope$/;

function parse(name: string): string {
  if (BARE_ID.test(name)) return name;
  const m = SCOPE_ID.exec(name);
  return m ? m[1] : '';
}

/**
 * Every event asks, and a node has few cgroups: the answers are kept (the
 * two patterns cost about 2 % of the sensor's CPU under a storm), up to a
 * bound past which they are forgotten all at once.
 */
const known = new Map<string, string>();
const KNOWN_MAX = 4096;

export function containerIdFromCgroupName(name: string): string {
  let id = known.get(name);
  if (id === undefined) {
    if (known.size >= KNOWN_MAX) known.clear();
    known.set(name, (id = parse(name)));
  }
  return id;
}
