/**
 * A mix of real events recorded from the kernel while a workload runs
 * (shells, recon and network tools, connects, mounts: what the node rules
 * look at), for the benchmarks that measure a stage past the kernel.
 */
import { spawnSync } from 'node:child_process';
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import { NodePipeline } from '../../sensor/src/node-pipeline';
import { TREE_EVENTS } from '../../proto/client-connection';
import { tempDir } from '../helpers/temp-dir';

const WORKLOAD = `
for i in $(seq 1 150); do
  /bin/sh -c '/usr/bin/id >/dev/null; /bin/cat /etc/hostname >/dev/null; /usr/bin/uname -a >/dev/null'
  /usr/bin/env true; /bin/ls / >/dev/null
  (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.settimeout(0.01); s.connect_ex(("127.0.0.1", 9))' 2>/dev/null
done`;

export async function recordMix(): Promise<Event__Output[]> {
  const events: Event__Output[] = [];
  // Fork and exit too, as a sensor run with --forward fork,exit sends them: the benchmarks built on this mix were measured with them.
  const pipeline = new NodePipeline({ kernel: { flushMs: 10 }, forward: TREE_EVENTS, criSocket: '/nonexistent', log: () => undefined, sink: (evs) => events.push(...evs) });
  spawnSync('bash', ['-c', WORKLOAD], { stdio: 'ignore' });
  const dir = tempDir('vigil-bench-mnt-');
  spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `for i in $(seq 1 100); do mount -t tmpfs t ${dir} && umount ${dir}; done`], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  await pipeline.stop();
  return events.filter((e) => e.body && e.body !== 'loss');
}

