import type { Event__Output } from '../../../../proto/generated/vigil/v1/Event';
import type { ContainerFacts, RecentExec } from '../../correlation/container-registry';
import type { Lists } from '../lists';
import type { Finding, HostRule } from '../rule';
import { Program, basename, commandLine, inContainer, inWritableDir, programOf, shellCommand } from '../facts';

/** A fetch piped into a shell or an interpreter, or chained into chmod +x and a run. */
const PIPELINES: [RegExp, string][] = [
  [/\b(curl|wget|fetch)\b[^|;&]*\|\s*(sudo\s+)?(\S*\/)?((ba|da|z|k|a)?sh|python\d?|perl|ruby|node)\b/, 'download piped into an interpreter'],
  [/\b(curl|wget)\b[^;&|]*[;&|]+[\s\S]*\bchmod\s+(\S*x\S*|[0-7]{3,4})\s[\s\S]*[;&|]+\s*(\.\/|\/)\S+/, 'download, chmod +x and run'],
  [/\b(curl|wget)\b[\s\S]*\|\s*base64\s+(-d|--decode)[\s\S]*\|\s*(ba|da)?sh\b/, 'download decoded into a shell'],
];
/** Whether a command line fetches at all: one cheap test before the pipelines'. */
const FETCHES = /\b(curl|wget|fetch)\b/;
/** How long after a download running what it fetched counts as one act. */
const WINDOW_MS = 10 * 60_000;

/** File names a download tool writes: -o/-O/--output(-document) targets, else the URL's last component. */
function downloadedNames(e: RecentExec): string[] {
  const out: string[] = [];
  e.argv.forEach((a, i) => {
    const flag = /^(-o|-O|--output|--output-document)$/.exec(a);
    const inline = /^(--output|--output-document)=(.+)$/.exec(a) ?? /^-[oO](.+)$/.exec(a);
    if (flag && e.argv[i + 1] && e.argv[i + 1] !== '-') out.push(basename(e.argv[i + 1]));
    else if (inline) out.push(basename(inline[inline.length - 1]));
    else if (/^[a-z]+:\/\//i.test(a)) out.push(basename(a.replace(/[?#].*$/, '')));
  });
  return out.filter((n) => n !== '' && n !== '.');
}

function recentDownload(ev: Event__Output, facts: ContainerFacts | undefined, lists: Lists): RecentExec | undefined {
  const recent = facts?.recentExecs ?? [];
  const now = recent.at(-1)?.atMs ?? 0;
  const target = basename(ev.exec!.filename);
  const writable = inWritableDir(ev.exec!.filename);
  // The registry already holds this exec as its newest entry; the others, newest first.
  for (let i = recent.length - 2; i >= 0; i--) {
    const e = recent[i];
    if (now - e.atMs > WINDOW_MS) break;
    // A download names what it fetches (URL, -o FILE, --output=FILE): a cheap test before the program is looked at.
    if (!writable && !e.argv.some((a) => a === target || a.endsWith(`/${target}`) || a.endsWith(`=${target}`))) continue;
    if (new Program(0, e.filename, e.argv, '').in(lists.download_tools) && (writable || downloadedNames(e).includes(target))) return e;
  }
  return undefined;
}

export const downloadAndExecute: HostRule = {
  id: 'download-and-execute',
  version: 1,
  title: 'Download then execute in a container',
  description:
    'Something was fetched from the network and run in a running container: a download piped into a shell or an ' +
    'interpreter (curl ... | sh), chained into chmod +x and a run, or a program executed shortly after curl or ' +
    'wget ran in the same container, when it is the file they wrote or sits in a writable directory (/tmp, ' +
    '/dev/shm, /var/tmp). It is how droppers install miners and backdoors after the first foothold; software of a ' +
    'container should come with its image. Known benign: entrypoints that fetch a binary at start (better: bake it ' +
    'into the image), installers in CI jobs. Triage: the URL in the download\'s command line, the file\'s hash if it ' +
    'is still there, and what the program connected to.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1105', name: 'Ingress Tool Transfer', tactic: 'Command and Control' },
  sources: ['exec'],
  match(ev, ctx): Finding | null {
    if (!inContainer(ev)) return null;
    const code = shellCommand(programOf(ev).argv);
    const pipeline = code === undefined || !FETCHES.test(code) ? undefined : PIPELINES.find(([re]) => re.test(code));
    if (pipeline)
      return { summary: `${pipeline[1]} in container ${ev.container!.name || ev.container!.id.slice(0, 12)}: ${commandLine(ev)}`, fields: { technique: pipeline[1], command_line: commandLine(ev) } };
    const download = recentDownload(ev, ctx.container(), ctx.lists);
    if (!download) return null;
    return {
      summary: `${ev.exec!.filename} executed in container ${ev.container!.name || ev.container!.id.slice(0, 12)} after "${download.argv.join(' ')}"`,
      fields: { technique: 'executed what a download tool fetched', download: download.argv.join(' '), command_line: commandLine(ev) },
    };
  },
};
