/**
 * Waiting for what a real process does in its own time: poll, and fail
 * with what was awaited (and the last error, and whatever the test can
 * tell about the processes) once the time is up.
 */

/** Polls `probe` until it gives a value; a throw counts as "not yet". */
export async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 30_000, context?: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const error = last ? ` (last error: ${(last as Error).message})` : '';
      throw new Error(`${what}: not within ${ms} ms${error}${context ? `\n${context()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls `cond` until it holds. */
export async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000, context?: () => string): Promise<void> {
  await eventually(what, async () => ((await cond()) ? true : undefined), ms, context);
}
