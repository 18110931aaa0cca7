/**
 * Every "try again later" in Vigil: reconnecting a sensor's stream,
 * resuming `vigil alerts --follow`, asking a container runtime about a
 * container it has not registered yet. node-retry spaces the attempts
 * (randomized, growing up to a bound). Its timers keep the process alive
 * only when trying is all the process does (`keepAlive`).
 */
import retry from 'retry';

/**
 * What one attempt came to: `done` stops trying; `again` tries again after
 * the shortest delay (a connection that worked for a while, then ended);
 * a rejection tries again after a growing delay.
 */
export type Attempt = () => Promise<'done' | 'again'>;

export interface Trier {
  /** No attempt starts after this (one under way finishes on its own). */
  stop(): void;
}

/** The pause before attempt `attempt` (0 for the first retry) of a task tried again and again. */
export function delayBefore(attempt: number, o: { minMs: number; maxMs: number }): number {
  return retry.createTimeout(attempt, { minTimeout: o.minMs, maxTimeout: o.maxMs, factor: 2, randomize: true });
}

export function keepTrying(attempt: Attempt, o: { minMs: number; maxMs: number; keepAlive?: boolean }): Trier {
  const op = retry.operation({ forever: true, minTimeout: o.minMs, maxTimeout: o.maxMs, randomize: true, unref: !o.keepAlive });
  let stopped = false;
  op.attempt(() => {
    if (stopped) return;
    attempt().then(
      (outcome) => {
        if (stopped || outcome === 'done') return;
        op.reset();
        op.retry(new Error('again'));
      },
      (err: Error) => {
        if (!stopped) op.retry(err);
      },
    );
  });
  return {
    stop() {
      stopped = true;
      op.stop();
    },
  };
}
