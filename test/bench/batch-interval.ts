/**
 * What the sensor's batch interval costs at the rate of events a node sees
 * most of the time: a trickle (a shell running /bin/true and a short sleep
 * in a loop, some tens of execs a second), not a storm. The whole `vigil
 * up` runs with each interval in turn, warmed first; the report gives its
 * CPU (every thread of both processes) per second of the trickle and of
 * the quiet after it, the trickle's rate, and how far the commits of the
 * execs trailed the kernel.
 */
import { run } from '../helpers/processes';
import { committedEvents, lagMs, startVigilUp } from './pipeline';
import { TICK_US, cpuTicks, processTree } from './proc-stats';
import { median, percentile, round } from './stats';

/**
 * How long each `vigil up` runs the trickle before it is measured. A node's
 * Vigil has run for hours; at a trickle's few hundred calls a second V8
 * tiers the path up slowly: TurboFan compiles were a fifth of all CPU in the
 * first minute (perf, --perf-basic-prof) and fell from 124 to 25 per 9 s
 * over it. After 3 s, as before, the figure took in much of that warm-up.
 */
const WARM_UP_SECONDS = 45;

/** The quiet after the trickle, measured too. */
const IDLE_SECONDS = 10;

/** Two execs (true, sleep) a turn; bash's own clock, so that the loop itself runs nothing else. */
const TRICKLE = 'end=$((SECONDS + $1)); n=0; while [ $SECONDS -lt $end ]; do /bin/true; sleep 0.02; n=$((n+1)); done; echo $n';

export async function benchBatchInterval(rounds: number, seconds: number, intervalsMs: readonly number[] = [50, 200]): Promise<Record<string, unknown>> {
  const samples = new Map<number, { cpuMsPerS: number; idleMsPerS: number; execsPerS: number; lags: number[] }[]>();
  for (let round = 0; round < rounds; round++) {
    for (const ms of round % 2 ? [...intervalsMs].reverse() : intervalsMs) {
      const { child, dataDir } = await startVigilUp(['--batch-interval', `${ms}ms`]);
      try {
        await run('bash', ['-c', TRICKLE, 'trickle', String(WARM_UP_SECONDS)]);
        const pids = processTree(child.pid!);
        const startedMs = Date.now();
        const cpu0 = cpuTicks(pids);
        const r = await run('bash', ['-c', TRICKLE, 'trickle', String(seconds)]);
        const elapsedS = (Date.now() - startedMs) / 1000;
        const cpuMsPerS = ((cpuTicks(pids) - cpu0) * TICK_US) / 1000 / elapsedS;
        // The last batch is at most an interval away; then the lags are final.
        await new Promise((res) => setTimeout(res, ms + 1000));
        const lags = committedEvents(dataDir, startedMs * 1000, ['exec']).map(lagMs);
        // Then the machine's own background only: what Vigil costs a quiet node.
        const idle0 = cpuTicks(pids);
        await new Promise((res) => setTimeout(res, IDLE_SECONDS * 1000));
        const idleMsPerS = ((cpuTicks(pids) - idle0) * TICK_US) / 1000 / IDLE_SECONDS;
        samples.set(ms, [...(samples.get(ms) ?? []), { cpuMsPerS, idleMsPerS, execsPerS: (2 * Number(r.stdout.trim())) / elapsedS, lags }]);
      } finally {
        child.kill('SIGINT');
        await new Promise((res) => child.once('exit', res));
      }
    }
  }
  const report: Record<string, unknown> = { what: `vigil up at each --batch-interval under a trickle of execs (a shell loop of /bin/true and sleep 0.02), after ${WARM_UP_SECONDS} s of it: CPU of both processes per second, during the trickle and in the ${IDLE_SECONDS} s of quiet after it`, rounds, seconds, warm_up_seconds: WARM_UP_SECONDS };
  for (const [ms, ss] of samples) {
    const lags = ss.flatMap((s) => s.lags);
    report[`interval_${ms}ms`] = {
      cpu_ms_per_second: round(median(ss.map((s) => s.cpuMsPerS)), 1),
      idle_cpu_ms_per_second: round(median(ss.map((s) => s.idleMsPerS)), 1),
      execs_per_second: round(median(ss.map((s) => s.execsPerS)), 0),
      lag_ms_p50: round(percentile(lags, 50), 1),
      lag_ms_p99: round(percentile(lags, 99), 1),
    };
  }
  return report;
}
