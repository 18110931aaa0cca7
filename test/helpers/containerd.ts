/**
 * A real containerd (with runc and its CRI plugin) for the tests, started by
 * hand in a temp dir: no systemd, no registry. The image is built locally
 * from busybox-static; pods get host networking, so no CNI is needed.
 * Settings follow what holds on these machines: cgroupfs driver,
 * restrict_oom_score_adj, the sandbox image imported into k8s.io.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { criCall, criRuntimeClient } from '../../proto/cri-runtime';
import type { RuntimeServiceClient } from '../../proto/generated/runtime/v1/RuntimeService';
import { cgroup2Mount } from './cgroup2';
import { tempDir } from './temp-dir';

export const TEST_IMAGE = 'vigil.test/busybox:1';

function missingTools(): string | undefined {
  for (const tool of ['containerd', 'runc', 'ctr'])
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `needs ${tool} (apt-get install containerd runc)`;
    }
  if (!fs.existsSync('/bin/busybox')) return 'needs /bin/busybox (apt-get install busybox-static)';
  if (process.getuid?.() !== 0) return 'needs root';
  return undefined;
}

/** Options for describe(): skip with the reason, or fail in CI. */
export function containerdTestOptions(): { skip?: string; timeout: number } {
  const reason = missingTools();
  if (!reason) return { timeout: 180_000 };
  if (process.env.CI === 'true') throw new Error(`container tests cannot run in CI: ${reason}`);
  process.stderr.write(`\n*** SKIPPING containerd tests: ${reason} ***\n\n`);
  return { skip: reason, timeout: 180_000 };
}

/** A root filesystem directory packed as a docker-archive tar, as `ctr image import` reads it. */
export function packImage(rootfs: string, dir: string, tag: string, config: { Env: string[]; Entrypoint: string[]; Cmd?: string[] }): string {
  const img = path.join(dir, 'img');
  fs.mkdirSync(img);
  execFileSync('tar', ['-C', rootfs, '-cf', path.join(img, 'layer.tar'), '.']);
  const diff = createHash('sha256').update(fs.readFileSync(path.join(img, 'layer.tar'))).digest('hex');
  const imageConfig = { architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: [`sha256:${diff}`] } };
  fs.writeFileSync(path.join(img, 'config.json'), JSON.stringify(imageConfig));
  fs.writeFileSync(path.join(img, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: [tag], Layers: ['layer.tar'] }]));
  const tar = path.join(dir, 'image.tar');
  execFileSync('tar', ['-C', img, '-cf', tar, 'manifest.json', 'config.json', 'layer.tar']);
  fs.rmSync(img, { recursive: true });
  return tar;
}

function buildImage(dir: string): string {
  const rootfs = path.join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'mnt', 'proc', 'sys', 'dev', 'root']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin/busybox'));
  fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
  // Skip the busybox applet itself: a self-link would overwrite the binary.
  for (const applet of execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n'))
    if (applet && applet !== 'busybox') fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\n');
  fs.writeFileSync(path.join(rootfs, 'etc/hostname'), 'vigil\n');
  // A script shipped in the image, for tests that tell image files from written ones.
  fs.writeFileSync(path.join(rootfs, 'bin/image-script'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  // The sandbox (pause) process: sleeps until TERM.
  return packImage(rootfs, dir, TEST_IMAGE, { Env: ['PATH=/bin'], Entrypoint: ['/bin/sh', '-c', "trap 'exit 0' TERM; sleep 2147483647 & wait"] });
}

export interface PodSpec {
  name: string;
  namespace?: string;
  /** The image's entrypoint when left out, as kubelet does. */
  command?: string[];
  args?: string[];
  /** An image imported with importImage (default: the busybox test image). */
  image?: string;
  containerName?: string;
  /** The node's pid namespace for the pod, as hostPID: true. */
  hostPid?: boolean;
  /** A directory for the container's log (CRI log format), for tests that print it on failure. */
  logDir?: string;
  privileged?: boolean;
  hostPaths?: { host: string; container: string; readonly?: boolean }[];
  /** Capabilities added to the runtime's default set (SYS_PTRACE...). */
  addCapabilities?: string[];
  env?: Record<string, string>;
  /** The pod's labels, as kubelet hands them to the sandbox. */
  labels?: Record<string, string>;
}

/** A container started with ctr, in a containerd namespace the CRI does not see. */
export interface OutsideContainer {
  id: string;
  namespace: string;
}

export interface RunningPod {
  podId: string;
  containerId: string;
  uid: string;
}

export class TestContainerd {
  private daemon: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private readonly pods: RunningPod[] = [];
  private readonly outside: OutsideContainer[] = [];
  readonly socket: string;
  readonly cgroupRoot: string;
  readonly cri: RuntimeServiceClient;

  private constructor(readonly dir: string) {
    this.socket = path.join(dir, 'containerd.sock');
    this.cgroupRoot = `vigil-test-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.cri = criRuntimeClient(this.socket);
  }

  /**
   * `snapshotter`: "native" (default) copies the image into each container;
   * "overlayfs" stacks a writable layer on the image, as production nodes
   * do, for tests that tell image files from files written later.
   */
  static async start(o: { snapshotter?: 'native' | 'overlayfs' } = {}): Promise<TestContainerd> {
    const c = new TestContainerd(tempDir('vigil-containerd-'));
    const tar = buildImage(c.dir);
    fs.writeFileSync(
      path.join(c.dir, 'config.toml'),
      `version = 2
root = "${c.dir}/root"
state = "${c.dir}/state"
[grpc]
  address = "${c.socket}"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${TEST_IMAGE}"
  restrict_oom_score_adj = true
  systemd_cgroup = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "${o.snapshotter ?? 'native'}"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
`,
    );
    c.startDaemon();
    for (let i = 0; i < 100 && !fs.existsSync(c.socket); i++) await new Promise((r) => setTimeout(r, 50));
    c.importImage(tar);
    return c;
  }

  private startDaemon(): void {
    const log = fs.openSync(path.join(this.dir, 'containerd.log'), 'a');
    this.daemon = spawn('containerd', ['--config', path.join(this.dir, 'config.toml')], { stdio: ['ignore', log, log] });
    this.exited = new Promise((r) => this.daemon!.once('exit', () => r()));
  }

  /** Kills the daemon (its shims and containers live on), as a crashed runtime would. */
  async killDaemon(): Promise<void> {
    this.daemon?.kill('SIGKILL');
    await this.exited;
    this.daemon = undefined;
  }

  /** Starts the daemon again, as after an upgrade or a crash, and waits for its CRI to answer. */
  async restartDaemon(): Promise<void> {
    if (this.daemon) await this.killDaemon();
    this.startDaemon();
    await this.criReady();
  }

  call<Res>(method: string, req: object): Promise<Res> {
    return criCall<Res>(this.cri, method, req, 30_000).catch((err: { details?: string }) => {
      throw new Error(`CRI ${method}: ${err.details}`);
    });
  }

  async runPod(p: PodSpec): Promise<RunningPod> {
    const uid = randomBytes(8).toString('hex');
    const pid = p.hostPid ? 'NODE' : 'CONTAINER';
    const sandbox = {
      metadata: { name: p.name, uid, namespace: p.namespace ?? 'default' },
      labels: p.labels ?? {},
      log_directory: p.logDir ?? '',
      linux: {
        cgroup_parent: `/${this.cgroupRoot}/pod${uid}`,
        // Host networking needs no CNI; a privileged container needs a privileged sandbox.
        security_context: { privileged: !!p.privileged, namespace_options: { network: 'NODE', pid, ipc: 'POD' } },
      },
    };
    const { pod_sandbox_id: podId } = await this.call<{ pod_sandbox_id: string }>('RunPodSandbox', { config: sandbox });
    const { container_id: containerId } = await this.call<{ container_id: string }>('CreateContainer', {
      pod_sandbox_id: podId,
      sandbox_config: sandbox,
      config: {
        metadata: { name: p.containerName ?? 'app' },
        image: { image: p.image ?? TEST_IMAGE },
        command: p.command ?? [],
        args: p.args ?? [],
        log_path: p.logDir ? 'container.log' : '',
        mounts: (p.hostPaths ?? []).map((m) => ({ host_path: m.host, container_path: m.container, readonly: !!m.readonly })),
        envs: Object.entries(p.env ?? {}).map(([key, value]) => ({ key, value })),
        // As kubelet does for every v1 pod: the container gets its own pid namespace.
        linux: {
          security_context: {
            privileged: !!p.privileged,
            namespace_options: { network: 'NODE', pid, ipc: 'POD' },
            capabilities: { add_capabilities: p.addCapabilities ?? [] },
          },
        },
      },
    });
    const pod = { podId, containerId, uid };
    this.pods.push(pod);
    await this.call('StartContainer', { container_id: containerId });
    return pod;
  }

  /**
   * Starts a container with ctr, outside the CRI (containerd namespace
   * `default`), from the image's root filesystem: no image import needed.
   */
  runOutside(id: string, command: string[], o: { privileged?: boolean } = {}): OutsideContainer {
    execFileSync('ctr', ['-a', this.socket, '-n', 'default', 'run', '-d', '--rootfs', ...(o.privileged ? ['--privileged'] : []), '--env', 'PATH=/bin', path.join(this.dir, 'rootfs'), id, ...command], { stdio: 'ignore' });
    const c = { id, namespace: 'default' };
    this.outside.push(c);
    return c;
  }

  /** Imports a docker-archive tar (packImage) where the CRI finds it. */
  importImage(tar: string): void {
    execFileSync('ctr', ['-a', this.socket, '-n', 'k8s.io', 'image', 'import', tar], { stdio: 'ignore' });
  }

  async exec(containerId: string, cmd: string[]): Promise<string> {
    const r = await this.call<{ stdout: Buffer; exit_code: number }>('ExecSync', { container_id: containerId, cmd, timeout: 10 });
    return r.stdout.toString();
  }

  /** Resolves once the CRI plugin answers: the socket exists before it does. */
  private async criReady(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (await this.call('Version', {}).then(() => true, () => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops pods, then the daemon (shims first: they outlive it), and removes what they left. */
  async stop(): Promise<void> {
    if (!this.daemon) this.startDaemon();
    await this.criReady();
    for (const p of this.pods) {
      await this.call('StopContainer', { container_id: p.containerId, timeout: 0 }).catch(() => undefined);
      await this.call('RemoveContainer', { container_id: p.containerId }).catch(() => undefined);
      await this.call('StopPodSandbox', { pod_sandbox_id: p.podId }).catch(() => undefined);
      await this.call('RemovePodSandbox', { pod_sandbox_id: p.podId }).catch(() => undefined);
    }
    for (const c of this.outside) {
      spawnSync('ctr', ['-a', this.socket, '-n', c.namespace, 'task', 'kill', '-s', 'SIGKILL', c.id], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 100));
      spawnSync('ctr', ['-a', this.socket, '-n', c.namespace, 'task', 'delete', '-f', c.id], { stdio: 'ignore' });
      spawnSync('ctr', ['-a', this.socket, '-n', c.namespace, 'container', 'delete', c.id], { stdio: 'ignore' });
    }
    this.cri.close();
    await this.killDaemon();
    // Safety net: nothing of this runtime may outlive the test, even if a
    // CRI call above failed. Shims name our socket; containers sit in our cgroups.
    spawnSync('pkill', ['-9', '-f', this.dir], { stdio: 'ignore' }); // exit 1 means nothing was left: fine
    // CRI pods sit under our cgroup root; ctr's containers under /default/<id>.
    const ours = [this.cgroupRoot, ...this.outside.map((c) => path.join(c.namespace, c.id))];
    const hierarchies = [...fs.readdirSync('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h)), cgroup2Mount()];
    for (const rel of ours) killCgroupTree(path.join(cgroup2Mount(), rel));
    await new Promise((r) => setTimeout(r, 200));
    for (const h of hierarchies) for (const rel of ours) removeCgroupTree(path.join(h, rel));
    // The namespace's parent cgroup goes too when nothing else is left in it.
    for (const h of hierarchies) for (const ns of new Set(this.outside.map((c) => c.namespace))) removeCgroupTree(path.join(h, ns), false);
    // A killed daemon can leave sandbox mounts (shm) in its state dir.
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(this.dir));
    for (const m of mounts.sort().reverse()) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function killCgroupTree(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) killCgroupTree(path.join(dir, e.name));
  for (const pid of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean))
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
}

function removeCgroupTree(dir: string, children = true): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  if (children) for (const e of entries) if (e.isDirectory()) removeCgroupTree(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    // still has tasks: left for the kernel to report, not hidden
  }
}
