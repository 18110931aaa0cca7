/**
 * What the sensor's batch interval costs at the rate of events a node sees
 * most of the time: a trickle (a shell running /bin/true and a short sleep
 * in a loop, some tens of execs a second), not a storm. The whole `vigil
 * up` runs with each interval in turn, warmed first; the report gives its
 * CPU (every thread of both processes) per second of the trickle, the
 * trickle's rate, and how far the commits of the execs trailed the kernel.
 */
import { run } from '../helpers/processes';
import { committedEvents, lagMs, startVigilUp } from './pipeline';
import { TICK_US, cpuTicks, processTree } from './proc-stats';
import { median, percentile, round } from './stats';

/** Two execs (true, sleep) a turn; bash's own clock, so that the loop itself runs nothing else. */
const TRICKLE = 'end=$((SECONDS + $1)); n=0; while [ $SECONDS -lt $end ]; do /bin/true; sleep 0.02; n=$((n+1)); done; echo $n';

export async function benchBatchInterval(rounds: number, seconds: number, intervalsMs: readonly number[] = [50, 200]): Promise<Record<string, unknown>> {
  const samples = new Map<number, { cpuMsPerS: number; execsPerS: number; lags: number[] }[]>();
  for (let round = 0; round < rounds; round++) {
    for (const ms of round % 2 ? [...intervalsMs].reverse() : intervalsMs) {
      const { child, dataDir } = await startVigilUp(['--batch-interval', `${ms}ms`]);
      try {
        await run('bash', ['-c', TRICKLE, 'trickle', '3']);
        const pids = processTree(child.pid!);
        const startedMs = Date.now();
        const cpu0 = cpuTicks(pids);
        const r = await run('bash', ['-c', TRICKLE, 'trickle', String(seconds)]);
        const elapsedS = (Date.now() - startedMs) / 1000;
        const cpuMsPerS = ((cpuTicks(pids) - cpu0) * TICK_US) / 1000 / elapsedS;
        // The last batch is at most an interval away; then the lags are final.
        await new Promise((res) => setTimeout(res, ms + 1000));
        samples.set(ms, [...(samples.get(ms) ?? []), { cpuMsPerS, execsPerS: (2 * Number(r.stdout.trim())) / elapsedS, lags: committedEvents(dataDir, startedMs * 1000, ['exec']).map(lagMs) }]);
      } finally {
        child.kill('SIGINT');
        await new Promise((res) => child.once('exit', res));
      }
    }
  }
  const report: Record<string, unknown> = { what: 'vigil up at each --batch-interval under a trickle of execs (a shell loop of /bin/true and sleep 0.02): CPU of both processes per second', rounds, seconds };
  for (const [ms, ss] of samples) {
    const lags = ss.flatMap((s) => s.lags);
    report[`interval_${ms}ms`] = {
      cpu_ms_per_second: round(median(ss.map((s) => s.cpuMsPerS)), 1),
      execs_per_second: round(median(ss.map((s) => s.execsPerS)), 0),
      lag_ms_p50: round(percentile(lags, 50), 1),
      lag_ms_p99: round(percentile(lags, 99), 1),
    };
  }
  return report;
}
