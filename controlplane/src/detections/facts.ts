/** Small facts about events that several rules share. */
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'csh', 'tcsh', 'fish', 'busybox']);

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Whether an exec started a shell, also through busybox's applet form. */
export function isShellExec(ev: Event__Output): boolean {
  const e = ev.exec;
  if (!e) return false;
  const bin = basename(e.filename);
  if (bin === 'busybox' || bin === 'exe') return SHELLS.has(basename(e.argv[0] ?? '')) && basename(e.argv[0] ?? '') !== 'busybox';
  return SHELLS.has(bin);
}

export function inContainer(ev: Event__Output): boolean {
  return !!ev.container?.id;
}

/**
 * The container runtime starting the container's own entrypoint: the parent is
 * runc's init (or the shim). A shell there is the image's design, not an intrusion.
 */
export function isContainerEntrypoint(ev: Event__Output): boolean {
  const parent = ev.exec?.parent_comm ?? '';
  return parent.startsWith('runc') || parent.startsWith('containerd-shim') || parent === 'conmon' || parent === 'crun';
}

export function commandLine(ev: Event__Output): string {
  return ev.exec ? ev.exec.argv.join(' ') || ev.exec.filename : '';
}
