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

/** registry/repository, without tag or digest: what lists of images compare. */
export function imageName(image: string): string {
  const r = parseImage(image);
  return `${r.registry}/${r.repository}`;
}
