/**
 * Whether the sensor's BPF programs are still attached. Each attachment is
 * a bpf_link, and a link lives exactly as long as its file descriptor, so
 * counting those descriptors counts the attached programs (no BPF syscall,
 * no capability needed).
 */
import * as fs from 'node:fs';

function heldBpfLinks(): number {
  let links = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:bpf_link') links++;
    } catch {
      // closed while we listed it: not a link we hold
    }
  }
  return links;
}

/**
 * A health check for a kernel sensor that has just started: the links it
 * holds now are the ones it must keep; fewer later means programs were
 * detached under it, and a failed drain means no events come any more.
 */
export function bpfAttachedCheck(kernel: { readonly problem: string | undefined }): () => string | undefined {
  const attached = heldBpfLinks();
  return () => {
    const held = heldBpfLinks();
    if (held < attached || held === 0) return `${held} of ${attached} BPF program links held: programs were detached`;
    return kernel.problem;
  };
}
