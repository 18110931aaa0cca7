/**
 * Whether real-kernel tests can run here. Outside CI a missing capability
 * skips with a loud reason; in CI (CI=true) the same condition fails the run,
 * because a CI that skips the kernel tests proves nothing.
 */
import * as fs from 'node:fs';

function missingRoot(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return `needs root (euid ${process.getuid?.()})`;
  return undefined;
}

function missingKernel(): string | undefined {
  const noRoot = missingRoot();
  if (noRoot) return `${noRoot}, to load BPF programs`;
  if (!fs.existsSync('/sys/kernel/btf/vmlinux')) return 'needs kernel BTF at /sys/kernel/btf/vmlinux';
  return undefined;
}

/** A hung kernel test fails after this long instead of stalling the run. */
const SUITE_TIMEOUT_MS = 120_000;

/** Options for `describe` when `reason` (if any) says why `what` cannot run here: a loud skip, or a failure in CI. */
export function gate(reason: string | undefined, what: string): { skip?: string; timeout: number } {
  if (!reason) return { timeout: SUITE_TIMEOUT_MS };
  if (process.env.CI === 'true') throw new Error(`${what} cannot run in CI: ${reason}`);
  process.stderr.write(`\n*** SKIPPING ${what}: ${reason} ***\n\n`);
  return { skip: reason, timeout: SUITE_TIMEOUT_MS };
}

/** Options for node:test's `describe`: a timeout, and `skip` with the reason when the kernel is out of reach. */
export function kernelTestOptions(): { skip?: string; timeout: number } {
  return gate(missingKernel(), 'real-kernel tests');
}

/** The same, for tests that only need root (they mount filesystems). */
export function rootTestOptions(): { skip?: string; timeout: number } {
  return gate(missingRoot(), 'tests needing root');
}
