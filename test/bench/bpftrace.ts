/** bpftrace, the bare tracer the benchmarks compare Vigil with: whether it is here. */
import { spawnSync } from 'node:child_process';

export function hasBpftrace(): boolean {
  return spawnSync('sh', ['-c', 'command -v bpftrace'], { stdio: 'ignore' }).status === 0;
}
