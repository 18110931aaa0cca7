/**
 * Whether real-kernel tests can run here. Outside CI a missing capability
 * skips with a loud reason; in CI (CI=true) the same condition fails the run,
 * because a CI that skips the kernel tests proves nothing.
 */
import * as fs from 'node:fs';

function missing(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return `needs root to load BPF programs (euid ${process.getuid?.()})`;
  if (!fs.existsSync('/sys/kernel/btf/vmlinux')) return 'needs kernel BTF at /sys/kernel/btf/vmlinux';
  return undefined;
}

/** A hung kernel test fails after this long instead of stalling the run. */
const SUITE_TIMEOUT_MS = 120_000;

/** Options for node:test's `describe`: a timeout, and `skip` with the reason when the kernel is out of reach. */
export function kernelTestOptions(): { skip?: string; timeout: number } {
  const reason = missing();
  if (!reason) return { timeout: SUITE_TIMEOUT_MS };
  if (process.env.CI === 'true') throw new Error(`kernel tests cannot run in CI: ${reason}`);
  process.stderr.write(`\n*** SKIPPING real-kernel tests: ${reason} ***\n\n`);
  return { skip: reason, timeout: SUITE_TIMEOUT_MS };
}
