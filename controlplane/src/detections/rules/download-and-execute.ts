import type { Event__Output } from '../../../../proto/generated/vigil/v1/Event';
import { FETCH_WINDOW_MS, type ContainerFacts, type RecentExec } from '../../correlation/container-registry';
import { parseCommandLine, unwrapCommand, type ParsedLine, type Redirect } from '../command-line';
import type { Lists } from '../lists';
import type { Finding, HostRule } from '../rule';
import { Program, basename, commandLine, imageIn, inContainer, inWritableDir, programOf, resolveInParentShell, shellReadsStdin, unwrapped } from '../facts';
import { isDescriptorExec, normalizePath } from '../paths';

/** What a fetch wrote: files (as named, relative or absolute), or only its standard output. */
interface Fetch {
  files: string[];
  /** Every URL it fetched is on this machine (a health check, not a download). */
  local: boolean;
}

/** curl's short options that take a value: in a group (-sLo FILE) the first of them takes the rest or the next word. */
const CURL_VALUES = 'AbcCdDeEFHKmoPQrtTuUwxXyYz';
const WGET_VALUES = 'aBeiloOPQtTwUDARIX';
const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1|0\.0\.0\.0)$/i;
/** How deep substitutions ($(...), <(...)) are followed. */
const MAX_DEPTH = 3;

function urlHost(url: string): string {
  const rest = url.slice(url.indexOf('://') + 3);
  const authority = rest.split(/[/?#]/, 1)[0].replace(/^[^@]*@/, '');
  return authority.startsWith('[') ? authority.slice(0, authority.indexOf(']') + 1) : authority.split(':', 1)[0];
}

function urlFile(url: string): string {
  const p = url.slice(url.indexOf('://') + 3).replace(/[?#].*$/, '');
  const slash = p.indexOf('/');
  return slash < 0 ? '' : basename(p.slice(slash));
}

/**
 * What a download tool's command line writes. curl writes to standard
 * output unless told -o FILE or -O (the URL's file name); wget writes the
 * URL's file name unless told -O FILE (`-O -` is standard output).
 */
function toolFetch(argv: readonly string[], name: string): Fetch | undefined {
  const urls = argv.filter((a) => a.includes('://'));
  if (urls.length === 0) return undefined;
  const files: string[] = [];
  let remoteName = name !== 'curl';
  const values = name === 'curl' ? CURL_VALUES : name === 'wget' ? WGET_VALUES : 'o';
  const output = name === 'wget' ? 'O' : 'o';
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [flag, value] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      if (flag === '--output' || flag === '--output-document') {
        const file = value ?? argv[++i] ?? '-';
        if (file === '-') remoteName = false;
        else files.push(file);
      } else if (flag === '--remote-name' || flag === '--remote-name-all') remoteName = true;
      continue;
    }
    if (!a.startsWith('-') || a.length < 2) continue;
    for (let k = 1; k < a.length; k++) {
      if (name === 'curl' && a[k] === 'O') remoteName = true;
      if (!values.includes(a[k])) continue;
      const value = k + 1 < a.length ? a.slice(k + 1) : argv[++i] ?? '';
      if (a[k] === output) {
        if (value === '-') remoteName = false;
        else {
          files.push(value);
          remoteName = false;
        }
      }
      break;
    }
  }
  if (remoteName) for (const u of urls) files.push(urlFile(u) || 'index.html');
  return { files, local: urls.every((u) => LOCAL_HOST.test(urlHost(u))) };
}

/** Python or another interpreter downloading to a file: urlretrieve(URL, FILE). */
function codeFetch(code: string): Fetch | undefined {
  const at = code.indexOf('urlretrieve(');
  if (at < 0) return code.includes('://') && /urlopen|requests\.get|http\.get|fetch\(/.test(code) ? { files: [], local: false } : undefined;
  const args = code.slice(at + 12, at + 12 + 1024).split(',', 2).map((s) => s.trim().replace(/^['"]|['"]\)?$/g, ''));
  return { files: args[1] ? [args[1]] : [], local: LOCAL_HOST.test(urlHost(args[0] ?? '')) };
}

/** A command's fetch, as argv: a download tool, busybox wget, or an interpreter one-liner that downloads. */
function fetchOf(argv: readonly string[], lists: Lists): Fetch | undefined {
  // Nothing fetches without naming a URL: one cheap test before the program is looked at.
  if (argv.length < 2 || !argv.some((a) => a.includes('://'))) return undefined;
  const p = unwrapped(new Program(0, argv[0], argv, ''));
  if (p.in(lists.download_tools)) return toolFetch(p.argv, p.named('curl') ? 'curl' : p.named('wget') ? 'wget' : p.exeName);
  const code = p.interpreterCall?.code;
  return code === undefined ? undefined : codeFetch(code);
}

/** A fetch in one segment of a shell line: what its command writes, and the files its output is redirected to. */
function segmentFetch(argv: readonly string[], redirects: readonly Redirect[], lists: Lists): Fetch | undefined {
  const fetch = fetchOf(argv, lists);
  if (!fetch) return undefined;
  for (const r of redirects) if ((r.op === '>' || r.op === '>>' || r.op === '>|') && r.fd !== '2') fetch.files.push(r.target);
  return fetch;
}

/** A shell or interpreter that reads the program it runs from standard input (sh, bash -s, python3 -, perl). */
function runsStdin(argv: readonly string[], lists: Lists): boolean {
  const p = unwrapped(new Program(0, argv[0] ?? '', argv, ''));
  if (p.in(lists.shells)) return shellReadsStdin(p.argv);
  const call = p.interpreterCall;
  return !!call && call.family !== 'awk' && call.code === undefined && call.script === undefined && call.module === undefined;
}

/** A shell, or eval/source/., that runs the text it is given. */
function runsText(argv: readonly string[], lists: Lists): boolean {
  const name = basename(argv[0] ?? '');
  return name === 'eval' || name === 'source' || name === '.' || unwrapped(new Program(0, argv[0] ?? '', argv, '')).in(lists.shells);
}

function fetchesIn(text: string, lists: Lists, depth: number): boolean {
  return depth < MAX_DEPTH && parseCommandLine(text).pipelines.some((pl) => pl.some((seg) => fetchOf(unwrapCommand(seg.words), lists) !== undefined || seg.subs.some((s) => fetchesIn(s, lists, depth + 1))));
}

/** Whether a command runs one of the files a fetch in the same line wrote: by path or name, or as a shell's or interpreter's script. */
function runsFetched(argv: readonly string[], written: ReadonlySet<string>, lists: Lists): boolean {
  const inner = unwrapCommand(argv);
  if (inner.length === 0) return false;
  if (written.has(basename(inner[0]))) return true;
  const p = new Program(0, inner[0], inner, '');
  const script = p.in(lists.shells) ? inner.slice(1).find((a) => !a.startsWith('-')) : p.interpreterCall?.script;
  return script !== undefined && written.has(basename(script));
}

/**
 * How a command line downloads and runs what it downloaded: a fetch piped
 * into something that runs its standard input (through tee, base64 -d and
 * the like), a fetch run through a substitution (`sh -c "$(curl ...)"`,
 * `bash <(curl ...)`), or a file a fetch wrote (copied, renamed or
 * chmodded on the way) run later in the same line.
 */
function lineShape(line: ParsedLine, lists: Lists): string | undefined {
  const written = new Set<string>();
  const vars = new Map<string, string>();
  for (const pipeline of line.pipelines) {
    let piped = false;
    let decoded = false;
    for (const seg of pipeline) {
      for (const a of seg.assigns) vars.set(a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1));
      // `C=curl; $C ...`: a command named by a variable set earlier in the line.
      const first = seg.words[0] ?? '';
      const words = first.startsWith('$') && vars.has(first.replace(/^\$\{?|\}$/g, '')) ? [vars.get(first.replace(/^\$\{?|\}$/g, ''))!, ...seg.words.slice(1)] : seg.words;
      const argv = unwrapCommand(words);
      if (argv.length === 0) continue;
      if (piped && runsStdin(argv, lists)) return decoded ? 'download decoded into a shell' : 'download piped into an interpreter';
      if (seg.subs.length && runsText(argv, lists) && seg.subs.some((s) => fetchesIn(s, lists, 0))) return 'download run through a command substitution';
      if (written.size && runsFetched(argv, written, lists)) return 'download then run';
      const fetch = segmentFetch(argv, seg.redirects, lists);
      if (fetch) {
        for (const f of fetch.files) written.add(basename(f));
        piped = true;
      } else if (piped && /^(base64|base32|xxd|openssl|gunzip|gzip|zcat|bzip2|xz|uudecode)$/.test(basename(argv[0])) && argv.some((a) => /^(-d|--decode|-r|enc|-dc|-cd)$/.test(a))) decoded = true;
      // cp, mv and install carry a fetched file to a new name: the new name is as fetched.
      const name = basename(argv[0]);
      if (written.size && (name === 'cp' || name === 'mv' || name === 'install' || name === 'ln')) {
        const operands = argv.slice(1).filter((a) => !a.startsWith('-'));
        if (operands.slice(0, -1).some((o) => written.has(basename(o)))) written.add(basename(operands.at(-1)!));
      }
    }
  }
  return undefined;
}

/**
 * Each remembered fetch parsed once, for the lists it was parsed with, kept
 * on the fetch itself: every later exec of its container walks up to 64 of
 * them, and a WeakMap lookup each was most of this rule's cost on a node
 * that runs curl often.
 */
const PARSED = Symbol('parsed fetch');
type ParsedExec = RecentExec & { [PARSED]?: { lists: Lists; fetch: Fetch | undefined } };

function fetchOfExec(e: ParsedExec, lists: Lists): Fetch | undefined {
  const known = e[PARSED];
  if (known?.lists === lists) return known.fetch;
  const fetch = parseFetchOfExec(e, lists);
  e[PARSED] = { lists, fetch };
  return fetch;
}

/** What an earlier exec of the container fetched, if it fetched: a download tool, a shell line with one, a one-liner. */
function parseFetchOfExec(e: RecentExec, lists: Lists): Fetch | undefined {
  const p = new Program(0, e.filename, e.argv, '');
  const own = fetchOf(p.argv, lists);
  if (own) return own;
  const fetches: Fetch[] = [];
  for (const pipeline of p.shellLine?.pipelines ?? [])
    for (const seg of pipeline) {
      const f = segmentFetch(unwrapCommand(seg.words), seg.redirects, lists);
      if (f) fetches.push(f);
    }
  return fetches.length ? { files: fetches.flatMap((f) => f.files), local: fetches.every((f) => f.local) } : undefined;
}

/** A container's fetches that could have dropped a program, parsed with one rule set's lists, while its set of fetches stays. */
interface Candidates {
  lists: Lists;
  changed: number;
  /** Fetches from another machine. */
  remote: ParsedExec[];
  /** Those of them that wrote a file. */
  wroteFiles: ParsedExec[];
}

/**
 * Kept on the container's facts: an exec walked every fetch of the window
 * (up to 64 in a container that probes with curl), though most are local
 * and write nothing; the candidates change only when a fetch is added or
 * forgotten.
 */
const CANDIDATES = Symbol('download candidates');
type WithCandidates = ContainerFacts & { [CANDIDATES]?: Candidates };

function candidatesOf(facts: WithCandidates, lists: Lists): Candidates {
  const known = facts[CANDIDATES];
  if (known?.lists === lists && known.changed === facts.fetchesChanged) return known;
  const remote = facts.fetches.filter((e) => {
    const fetch = fetchOfExec(e, lists);
    return fetch !== undefined && !fetch.local;
  });
  const wroteFiles = remote.filter((e) => fetchOfExec(e, lists)!.files.length > 0);
  return (facts[CANDIDATES] = { lists, changed: facts.fetchesChanged, remote, wroteFiles });
}

/**
 * The fetch whose file this exec runs, the latest within the window: one
 * that wrote a file of its name, or, for a program in a writable directory,
 * run from a descriptor (a memfd) or from a directory the event does not
 * name, any file download of the window. Fetches from this machine (health
 * checks) do not count.
 */
function fetchRun(ev: Event__Output, facts: ContainerFacts | undefined, lists: Lists): RecentExec | undefined {
  if (!facts?.fetches.length) return undefined;
  const { filename, argv } = ev.exec!;
  const descriptor = isDescriptorExec(filename);
  const candidates = candidatesOf(facts, lists);
  const among = descriptor ? candidates.remote : candidates.wroteFiles;
  if (among.length === 0) return undefined;
  const resolved = resolveInParentShell(filename, ev);
  const target = basename(filename);
  const anyDownload = resolved === undefined || inWritableDir(resolved);
  const now = Number(ev.time_unix_nano) / 1e6;
  let latest: RecentExec | undefined;
  // Newest first, as the registry orders them; a repeat since moved later in time is weighed by its time.
  for (let i = among.length - 1; i >= 0; i--) {
    const e = among[i];
    if (e.argv === argv || now - e.atMs > FETCH_WINDOW_MS || (latest && latest.atMs >= e.atMs)) continue; // this exec itself, too old, or not the latest
    // A file the fetch named by its full path is that file only; a relative one is wherever it ran.
    const wrote = fetchOfExec(e, lists)!.files.some((f) => (f.startsWith('/') && resolved !== undefined ? normalizePath(f) === resolved : basename(f) === target));
    if (descriptor || wrote || anyDownload) latest = e;
  }
  return latest;
}

export const downloadAndExecute: HostRule = {
  id: 'download-and-execute',
  version: 2,
  title: 'Download then execute in a container',
  description:
    'Something was fetched from the network and run in a running container: a download piped into a shell or an ' +
    'interpreter (curl ... | sh, through tee or base64 -d too), run through a substitution (sh -c "$(curl ...)", ' +
    'bash <(curl ...)), a downloaded file run later in the same command line (after chmod, cp or install), or a ' +
    'program executed within 10 minutes of a download in the same container when it is the file the download ' +
    'wrote (curl -o/-O, wget, a python urlretrieve), sits in a writable directory (/tmp, /dev/shm, /var/tmp, ' +
    '/run/lock), is named relative to a directory the event does not tell, or runs from a descriptor (a memfd). ' +
    'Fetches from the machine itself (curl http://localhost/health) and curl writing to its standard output are ' +
    'not downloads of a file. It is how droppers install miners and backdoors after the first foothold; software ' +
    'of a container should come with its image. Known benign: entrypoints that fetch a binary at start (better: ' +
    'bake it into the image), installers (get_helm.sh) and CI jobs (images in `build_images` are not judged). ' +
    'Triage: the URL in the download\'s command line, the file\'s hash if it is still there, and what the program ' +
    'connected to.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1105', name: 'Ingress Tool Transfer', tactic: 'Command and Control' },
  sources: ['exec'],
  match(ev, ctx): Finding | null {
    if (!inContainer(ev) || imageIn(ev.container!.image, ctx.lists.build_images)) return null;
    const line = programOf(ev).shellLine;
    const shape = line && lineShape(line, ctx.lists);
    if (shape) return { summary: `${shape} in container ${ev.container!.name || ev.container!.id.slice(0, 12)}: ${commandLine(ev)}`, fields: { technique: shape, command_line: commandLine(ev) } };
    const download = fetchRun(ev, ctx.container(), ctx.lists);
    if (!download) return null;
    return {
      summary: `${ev.exec!.filename} executed in container ${ev.container!.name || ev.container!.id.slice(0, 12)} after "${download.argv.join(' ')}"`,
      fields: { technique: 'executed what a download fetched', download: download.argv.join(' '), command_line: commandLine(ev) },
    };
  },
};
