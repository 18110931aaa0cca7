import type { HostRule } from '../rule';
import { commandLine, inContainer, isRuntimeSetup, programOf } from '../facts';
import { isDescriptorExec } from '../paths';

export const filelessExecution: HostRule = {
  id: 'fileless-execution',
  version: 1,
  title: 'Fileless execution',
  description:
    'A process executed code that is in no file on disk: a memory file from memfd_create(2) (often through ' +
    '/proc/self/fd/N or execveat), or a file deleted after it was opened. Read in the kernel from the executed ' +
    'file itself, so no name or path can hide it. Loaders that avoid disk are how malware (miners, implants, ' +
    'Sliver and Metasploit stagers) escapes file scanning and leaves nothing to find afterwards. Known benign: ' +
    'container runtimes running their own sealed copy (excluded), and rare packers or JIT tools; except them by ' +
    'process or image. Triage: the parent (what loaded it), the process\'s connections just before, and the ' +
    'container or host user.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1620', name: 'Reflective Code Loading', tactic: 'Defense Evasion' },
  sources: ['exec'],
  match(ev, ctx) {
    const binary = ev.exec!.binary;
    // Through the dynamic loader the kernel executes ld.so from disk; a descriptor named as its program is what it maps.
    const program = programOf(ev).exe;
    const viaLoader = program !== ev.exec!.filename && isDescriptorExec(program);
    if (!binary || !(binary.memfd || binary.deleted || viaLoader)) return null;
    // Runtimes run themselves from a sealed copy (the CVE-2019-5736 fix): told by their parent and namespace, not by the memfd's name.
    if (isRuntimeSetup(ev, ctx.container(), ctx.lists)) return null;
    const what = binary.memfd ? `a memory file (${binary.name || 'memfd'})` : binary.deleted ? 'a deleted file' : `the program of descriptor ${program} through the dynamic loader`;
    const where = inContainer(ev) ? `in container ${ev.container!.name || ev.container!.id.slice(0, 12)} (${ev.container!.image || 'unknown image'})` : 'on the host';
    return {
      summary: `${ev.exec!.filename} executed ${what} ${where}: ${commandLine(ev)}`,
      fields: { command_line: commandLine(ev), memfd: String(binary.memfd), deleted: String(binary.deleted), file_name: binary.name, size: binary.size },
      key: `${ev.ancestry?.[0]?.exe ?? ''}>${binary.name}`,
    };
  },
};
