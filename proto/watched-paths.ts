/**
 * The paths whose access the kernel reports as FileAccess events, and why:
 * part of the contract between the sensor (which watches them) and the
 * control plane (whose rules file adds and removes paths, sent to every
 * sensor, and whose rules match on the categories below). Every event
 * carries the pattern that matched (`watched`) and its `category`.
 *
 * A pattern is an absolute path prefix matched byte for byte: "/etc/shadow"
 * also covers "/etc/shadow-" (the backup), and a trailing "/" watches
 * everything below a directory. One component may be a lone "*", standing
 * for exactly one name: "/home/" + "*" + "/.ssh/" covers /home/alice/.ssh/
 * and every other user's keys, but not /home/a/b/.ssh/. When two heads
 * before a "*" nest ("/home/" and "/home/x/"), the longer one wins.
 */
import { CRI_SOCKETS } from './cri-runtime';
import { VigilError } from './errors';

/** What a file call does to a watched path (VIGIL_ACCESS_* of native/include/vigil_event.h). */
export type FileAccessKind = 'read' | 'write' | 'truncate' | 'delete' | 'replace' | 'link';
export const FILE_ACCESS_KINDS: readonly FileAccessKind[] = ['read', 'write', 'truncate', 'delete', 'replace', 'link'];

export interface WatchedPath {
  /** Absolute path prefix; see the module comment for "/" and "*". */
  readonly path: string;
  /** Why it is watched; events carry it as FileAccess.category. */
  readonly category: string;
  /** Which accesses to report (default: all). */
  readonly access?: readonly FileAccessKind[];
}

/** The categories of the default table. */
export const WATCH_CATEGORY = {
  /** Kubernetes service-account tokens and CA, mounted or projected into pods. */
  serviceAccountToken: 'service-account-token',
  /** Password hashes: /etc/shadow, /etc/gshadow and their backups. */
  shadow: 'shadow',
  sudoers: 'sudoers',
  /** SSH private keys, authorized_keys, host keys. */
  ssh: 'ssh',
  /** The kubelet's client certificates and the node's control-plane credentials. */
  kubeletCredentials: 'kubelet-credentials',
  /** Users' kubeconfig files. */
  kubeconfig: 'kubeconfig',
  /** Container runtime sockets (see DEFAULT_WATCHED_PATHS on connect). */
  runtimeSocket: 'runtime-socket',
  /** AWS, Google Cloud and Azure CLI credentials, and the cloud identity tokens projected into pods (EKS, AKS). */
  cloudCredentials: 'cloud-credentials',
  /** Container registry logins (Docker's config.json). */
  registryCredentials: 'registry-credentials',
  /** Shell histories: reported when truncated, deleted or replaced. */
  shellHistory: 'shell-history',
} as const;

/**
 * A file event that read a service-account token (or its CA): what the
 * token rules and the API-server rule's annotation both look for. The
 * pod's namespace sits beside them and is no secret: entrypoints read it
 * to know where they run.
 */
export function readsServiceAccountToken(file: { category: string; access: string; result: number; path: string }): boolean {
  return file.category === WATCH_CATEGORY.serviceAccountToken && file.access === 'ACCESS_READ' && file.result >= 0 && !file.path.endsWith('/namespace');
}

const C = WATCH_CATEGORY;
/** The shell rewriting or appending its history is normal; erasing it is not. */
const TAMPERING: readonly FileAccessKind[] = ['truncate', 'delete', 'replace'];
const HOMES = ['/root/', '/home/*/'];
const inHomes = (rest: string, category: string, access?: readonly FileAccessKind[]): WatchedPath[] =>
  HOMES.map((home) => ({ path: `${home}${rest}`, category, ...(access ? { access } : {}) }));

/**
 * The default table. Runtime sockets are used through connect(2), which the
 * connect events report (Connect.destination.address); opening, deleting or
 * replacing one is what this table adds.
 */
export const DEFAULT_WATCHED_PATHS: readonly WatchedPath[] = [
  { path: '/var/run/secrets/kubernetes.io/serviceaccount/', category: C.serviceAccountToken },
  { path: '/run/secrets/kubernetes.io/serviceaccount/', category: C.serviceAccountToken },
  // The Kubernetes docs' place for projected tokens, and every pod's tokens on the node.
  { path: '/var/run/secrets/tokens/', category: C.serviceAccountToken },
  { path: '/run/secrets/tokens/', category: C.serviceAccountToken },
  { path: '/var/lib/kubelet/pods/*/volumes/kubernetes.io~projected/', category: C.serviceAccountToken },
  { path: '/etc/shadow', category: C.shadow },
  { path: '/etc/gshadow', category: C.shadow },
  { path: '/etc/sudoers', category: C.sudoers },
  { path: '/etc/sudoers.d/', category: C.sudoers },
  ...inHomes('.ssh/', C.ssh),
  { path: '/etc/ssh/ssh_host_', category: C.ssh },
  { path: '/var/lib/kubelet/pki/', category: C.kubeletCredentials },
  { path: '/var/lib/kubelet/kubeconfig', category: C.kubeletCredentials },
  { path: '/etc/kubernetes/', category: C.kubeletCredentials },
  ...inHomes('.kube/', C.kubeconfig),
  // The CRI sockets the sensor itself looks for, and Docker's.
  ...[...CRI_SOCKETS, '/run/docker.sock', '/var/run/docker.sock'].map((path) => ({ path, category: C.runtimeSocket })),
  ...inHomes('.aws/credentials', C.cloudCredentials),
  ...inHomes('.config/gcloud/', C.cloudCredentials),
  ...inHomes('.azure/', C.cloudCredentials),
  // Pods' cloud identities: EKS's IRSA web-identity token and AKS workload identity's.
  { path: '/var/run/secrets/eks.amazonaws.com/serviceaccount/', category: C.cloudCredentials },
  { path: '/var/run/secrets/azure/tokens/', category: C.cloudCredentials },
  ...inHomes('.docker/config.json', C.registryCredentials),
  ...['.bash_history', '.zsh_history', '.ash_history', '.sh_history', '.history'].flatMap((f) => inHomes(f, C.shellHistory, TAMPERING)),
];

/**
 * The kernel table's bounds (VIGIL_WATCH_MAX_PATTERNS, VIGIL_WATCH_PATH_LEN
 * of native/include/vigil_event.h), for the control plane, which checks a
 * rules file without loading the addon; a test holds them to the addon's.
 */
export const WATCH_TABLE_LIMITS = { maxPatterns: 256, pathBytes: 254 } as const;

/** A pattern of a table that cannot be loaded, by its place in the table: a rules file says which of its own lines that is. */
export class WatchedPathError extends VigilError {
  constructor(
    readonly index: number,
    /** The pattern and what is wrong with it. */
    readonly problem: string,
  ) {
    super('INVALID_ARGUMENT', `watchedPaths[${index}] ${problem}`);
  }
}

/** Throws VigilError INVALID_ARGUMENT naming the first bad pattern and why. */
export function validateWatchedPaths(paths: readonly WatchedPath[], maxPatterns: number = WATCH_TABLE_LIMITS.maxPatterns, maxBytes: number = WATCH_TABLE_LIMITS.pathBytes): void {
  if (!Array.isArray(paths)) throw new VigilError('INVALID_ARGUMENT', 'watchedPaths must be an array of { path, category, access? }');
  if (paths.length > maxPatterns)
    throw new VigilError('INVALID_ARGUMENT', `watchedPaths holds ${paths.length} patterns; the kernel table takes at most ${maxPatterns}`);
  const seen = new Set<string>();
  paths.forEach((p, i) => {
    const bad: (why: string) => never = (why) => {
      throw new WatchedPathError(i, `${JSON.stringify(p?.path)}: ${why}`);
    };
    if (typeof p?.path !== 'string' || !p.path.startsWith('/')) bad('must be an absolute path (start with "/")');
    if (Buffer.byteLength(p.path) > maxBytes) bad(`is longer than the ${maxBytes} bytes the kernel matches`);
    if (p.path.includes('\0')) bad('must not contain NUL');
    const parts: string[] = p.path.split('/').slice(1, p.path.endsWith('/') ? -1 : undefined);
    if (parts.some((c) => c === '' || c === '.' || c === '..')) bad('must be canonical: no "//", "." or ".." components (the kernel folds those before matching)');
    if (parts.some((c) => c.includes('*') && c !== '*')) bad('"*" must be a whole path component, e.g. /home/*/.ssh/');
    if (parts.filter((c) => c === '*').length > 1) bad('at most one "*" component');
    if (typeof p.category !== 'string' || p.category === '') bad('needs a category (events carry it, rules match on it)');
    if (p.access !== undefined) {
      if (!Array.isArray(p.access) || p.access.length === 0) bad(`access must list at least one of ${FILE_ACCESS_KINDS.join(', ')}`);
      for (const a of p.access) if (!FILE_ACCESS_KINDS.includes(a)) bad(`unknown access "${a}"; expected ${FILE_ACCESS_KINDS.join(', ')}`);
    }
    if (seen.has(p.path)) bad('is listed twice');
    seen.add(p.path);
  });
}
