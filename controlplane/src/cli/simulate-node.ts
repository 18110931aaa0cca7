/**
 * Harmless stand-ins for node attacks, for `vigil simulate --node`: shells
 * run inside a throwaway cgroup named like a container, which is all the
 * sensor needs to treat them as container processes. Nothing else on the
 * machine is touched; the cgroup is removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VigilError } from '../../../proto/errors';

/** Where cgroup2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts). */
export function cgroup2Mount(): string {
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (post?.startsWith('cgroup2 ')) return pre.split(' ')[4];
  }
  throw new VigilError('UNAVAILABLE', 'no cgroup2 hierarchy is mounted: vigil simulate --node needs one');
}

export interface NodeAttack {
  ruleId: string;
  what: string;
  /** Runs the attack's processes in the fake container's cgroup; false when it could not. */
  run(procs: string): boolean;
}

const inCgroup = (procs: string, command: string) => `echo $$ > ${procs} && ${command}`;

export const NODE_ATTACKS: NodeAttack[] = [
  {
    ruleId: 'shell-in-container',
    what: 'a web server spawning a shell in a container (sh -c id)',
    run: (procs) => spawnSync('/bin/sh', ['-c', inCgroup(procs, 'exec /bin/sh -c "id >/dev/null; :"')]).status === 0,
  },
  {
    ruleId: 'terminal-shell-in-container',
    what: 'an interactive shell with a terminal in a container (script(1) allocates the pty)',
    run: (procs) => spawnSync('/bin/sh', ['-c', inCgroup(procs, 'exec script -qec "/bin/sh -c true" /dev/null')], { stdio: 'ignore' }).status === 0,
  },
];

/** A cgroup named like a container, with a way to remove it when done. */
export function fakeContainerCgroup(): { id: string; procs: string; remove(): void } {
  const id = randomBytes(32).toString('hex');
  const parent = path.join(cgroup2Mount(), `vigil-simulate-${process.pid}`);
  const dir = path.join(parent, id);
  fs.mkdirSync(dir, { recursive: true });
  return {
    id,
    procs: path.join(dir, 'cgroup.procs'),
    remove() {
      for (const d of [dir, parent])
        for (let i = 0; i < 50; i++)
          try {
            fs.rmdirSync(d);
            break;
          } catch {
            spawnSync('sleep', ['0.05']);
          }
    },
  };
}
