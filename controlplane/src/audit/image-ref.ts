/**
 * Container image references, normalized the way the runtime resolves them,
 * so `xmrig/xmrig`, `docker.io/xmrig/xmrig:latest` and
 * `index.docker.io/xmrig/xmrig@sha256:…` are one image to a rule.
 */
export interface ImageRef {
  /** docker.io for Docker Hub, else the registry host[:port]. */
  registry: string;
  /** With Docker Hub's implicit library/ for official images. */
  repository: string;
  tag: string;
  digest: string;
}

const DOCKER_HUB_ALIASES = new Set(['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

export function parseImage(image: string): ImageRef {
  let rest = image.trim().toLowerCase();
  let digest = '';
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  let registry = 'docker.io';
  if (first.includes('.') || first.includes(':') || first === 'localhost') {
    registry = DOCKER_HUB_ALIASES.has(first) ? 'docker.io' : first;
    rest = rest.slice(slash + 1);
  }
  let tag = '';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (registry === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  return { registry, repository: rest, tag, digest };
}

/** Both names of a Docker Hub image, by the name it was given: a node runs few images, each on many events. */
const hubNames = new Map<string, { full: string; short: string } | undefined>();
const HUB_NAMES_KEPT = 1024;

/**
 * A Docker Hub image's two names, however it was given: in full as
 * containerd reports it (docker.io/library/nginx:1.27) and short as people
 * write it in lists and exceptions and Docker reports it (nginx:1.27,
 * jenkins/inbound-agent:3206); undefined for another registry's image.
 */
export function dockerHubNames(image: string): { full: string; short: string } | undefined {
  if (hubNames.has(image)) return hubNames.get(image);
  const r = parseImage(image);
  const suffix = `${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
  const repository = r.repository.startsWith('library/') ? r.repository.slice('library/'.length) : r.repository;
  const names = r.registry === 'docker.io' ? { full: `docker.io/${r.repository}${suffix}`, short: `${repository}${suffix}` } : undefined;
  if (hubNames.size >= HUB_NAMES_KEPT) hubNames.clear();
  hubNames.set(image, names);
  return names;
}

/** registry/repository, without tag or digest: what lists of images compare. */
export function imageName(image: string): string {
  const r = parseImage(image);
  return `${r.registry}/${r.repository}`;
}
