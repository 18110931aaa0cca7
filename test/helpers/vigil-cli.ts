/** Runs the built `vigil` binary as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const VIGIL = path.resolve(__dirname, '..', '..', 'vigil.js');

export interface LiveCommand {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr or stdout matches `re`; rejects after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startVigil(args: string[]): LiveCommand {
  // Run as users do: the executable itself.
  const child = spawn(VIGIL, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(re, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!re.test(out) && !re.test(err)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`vigil ${args.join(' ')}: no output matching ${re} within ${ms} ms\nstdout: ${out}\nstderr: ${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** Stops the commands a test started (SIGTERM) and waits for each to exit. */
export async function stopAll(commands: readonly LiveCommand[]): Promise<void> {
  for (const c of commands) {
    c.child.kill('SIGTERM');
    await c.exited;
  }
}

/** Runs `vigil ARGS` to completion. */
export async function runVigil(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cmd = startVigil(args);
  const { code } = await cmd.exited;
  return { code, stdout: cmd.stdout(), stderr: cmd.stderr() };
}
