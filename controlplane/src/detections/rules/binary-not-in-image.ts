import type { Event__Output } from '../../../../proto/generated/vigil/v1/Event';
import type { HostRule } from '../rule';
import { basename, commandLine, imageIn, inContainer, inWritableDir, programOf } from '../facts';

/** What makes the executed file foreign to the image, or undefined when it came with it. */
function drift(ev: Event__Output): string | undefined {
  const { binary, script, filename } = ev.exec!;
  if (script?.layer === 'LAYER_UPPER') return 'a script written in the container after it started';
  if (binary?.layer === 'LAYER_UPPER') return 'a file written in the container after it started (the writable layer, not the image)';
  // A tmpfs or emptyDir at /tmp or /dev/shm is no image either (a symlink there to an image binary runs that binary).
  if (binary?.layer === 'LAYER_NOT_OVERLAY' && !binary.memfd && inWritableDir(filename) && binary.name === basename(filename)) return 'a file in a writable scratch directory, outside the image';
  // Through the dynamic loader the kernel executes the image's ld.so, which then maps the program named after it.
  const program = programOf(ev).exe;
  if (program !== filename && inWritableDir(program)) return 'a program in a writable scratch directory, run through the dynamic loader';
  return undefined;
}

export const binaryNotInImage: HostRule = {
  id: 'binary-not-in-image',
  version: 1,
  title: 'Binary not in the container image executed',
  description:
    'A container executed a file that is not part of its image: one written or changed in the container\'s writable ' +
    'layer after it started (read in the kernel from the executed file\'s overlayfs inode, so renaming or copying a ' +
    'binary does not hide it), or one in a writable scratch directory. Images are immutable in a well-run cluster; ' +
    'a new executable is how an attacker brings tools in (a downloaded miner, a copied shell, a dropped script). ' +
    'Known benign: images that build or install software at run time (CI runners, image builders; the build_images ' +
    'list), and entrypoints that generate scripts at start; except them by image. Triage: the file (its inode, size ' +
    'and layer are in the evidence), how it got there (download-and-execute, package-manager-in-container alerts ' +
    'just before), and who opened the session (terminal-shell, web-shell alerts).',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1105', name: 'Ingress Tool Transfer', tactic: 'Command and Control' },
  sources: ['exec'],
  match(ev, ctx) {
    // No runtime exemption: a runtime's sealed copy is a memory file or an unnamed one, never the container's layer or scratch directories.
    if (!inContainer(ev)) return null;
    const why = drift(ev);
    if (!why || imageIn(ev.container!.image, ctx.lists.build_images)) return null;
    const file = ev.exec!.script?.layer === 'LAYER_UPPER' ? ev.exec!.script : ev.exec!.binary!;
    return {
      summary: `${ev.exec!.filename} executed in container ${ev.container!.name || ev.container!.id.slice(0, 12)} (${ev.container!.image || 'unknown image'}): ${why}`,
      fields: { image: ev.container!.image, command_line: commandLine(ev), layer: file.layer, inode: file.inode, size: file.size },
      // The same file run again and again is one finding.
      key: `${file.device}:${file.inode}`,
    };
  },
};
