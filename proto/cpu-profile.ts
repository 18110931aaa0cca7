/**
 * A CPU profile of a running `vigil` process, for finding where the
 * pipeline spends its time: with VIGIL_CPU_PROFILE_DIR set, a process
 * profiles itself from the moment it is running (after its BPF programs are
 * loaded: the sampler's signals would interrupt the verifier) until it
 * stops, and writes `<dir>/<name>-<pid>.cpuprofile` (open it in Chrome's
 * DevTools or speedscope).
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as path from 'node:path';
import { makeDir } from './make-dir';

export interface Profiling {
  /** Stops the profile and writes it. */
  stop(): Promise<void>;
}

export function profileIfAsked(name: string): Profiling {
  const dir = process.env.VIGIL_CPU_PROFILE_DIR;
  if (!dir) return { stop: () => Promise.resolve() };
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  const started = post('Profiler.enable').then(() => post('Profiler.setSamplingInterval', { interval: 200 })).then(() => post('Profiler.start'));
  return {
    async stop() {
      await started;
      const { profile } = (await post('Profiler.stop')) as { profile: object };
      makeDir(dir);
      fs.writeFileSync(path.join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}
