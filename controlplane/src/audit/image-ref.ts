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

/** Short names worked out, by full name: a node runs few images, each on many events. */
const shortNames = new Map<string, string | undefined>();
const SHORT_NAMES_KEPT = 1024;

/**
 * A Docker Hub image as people write it in lists and exceptions (nginx:1.27,
 * jenkins/inbound-agent:3206) when the runtime reports it in full
 * (docker.io/library/nginx:1.27); undefined for another registry's image or
 * one already written short.
 */
export function dockerHubShortName(image: string): string | undefined {
  if (shortNames.has(image)) return shortNames.get(image);
  const r = parseImage(image);
  const repository = r.repository.startsWith('library/') ? r.repository.slice('library/'.length) : r.repository;
  const short = `${repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
  const result = r.registry === 'docker.io' && short !== image ? short : undefined;
  if (shortNames.size >= SHORT_NAMES_KEPT) shortNames.clear();
  shortNames.set(image, result);
  return result;
}

/** registry/repository, without tag or digest: what lists of images compare. */
export function imageName(image: string): string {
  const r = parseImage(image);
  return `${r.registry}/${r.repository}`;
}
