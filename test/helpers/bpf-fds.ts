/** File descriptors of this process that hold BPF objects or perf events. */
import * as fs from 'node:fs';

export function bpfFileDescriptors(): string[] {
  const held: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed while we listed it
    }
    if (/^anon_inode:(bpf|\[perf_event\]|btf)/.test(target)) held.push(`${fd} -> ${target}`);
  }
  return held;
}
