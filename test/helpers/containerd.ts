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
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS, PROTO_ROOT } from '../../proto/loader';
import type { ProtoGrpcType } from '../../proto/generated/api';
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

function buildImage(dir: string): string {
  const rootfs = path.join(dir, 'rootfs');
  const img = path.join(dir, 'img');
  for (const d of ['bin', 'etc', 'tmp', 'mnt', 'proc', 'sys', 'dev', 'root']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.mkdirSync(img);
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
  execFileSync('tar', ['-C', rootfs, '-cf', path.join(img, 'layer.tar'), '.']);
  const diff = createHash('sha256').update(fs.readFileSync(path.join(img, 'layer.tar'))).digest('hex');
  // The sandbox (pause) process: sleeps until TERM.
  const config = { architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin'], Entrypoint: ['/bin/sh', '-c', "trap 'exit 0' TERM; sleep 2147483647 & wait"] }, rootfs: { type: 'layers', diff_ids: [`sha256:${diff}`] } };
  fs.writeFileSync(path.join(img, 'config.json'), JSON.stringify(config));
  fs.writeFileSync(path.join(img, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: [TEST_IMAGE], Layers: ['layer.tar'] }]));
  const tar = path.join(dir, 'image.tar');
  execFileSync('tar', ['-C', img, '-cf', tar, 'manifest.json', 'config.json', 'layer.tar']);
  return tar;
}

export interface PodSpec {
  name: string;
  namespace?: string;
  command: string[];
  privileged?: boolean;
  hostPaths?: { host: string; container: string; readonly?: boolean }[];
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
  readonly socket: string;
  readonly cgroupRoot: string;
  readonly cri: RuntimeServiceClient;

  private constructor(readonly dir: string) {
    this.socket = path.join(dir, 'containerd.sock');
    this.cgroupRoot = `vigil-test-${process.pid}-${randomBytes(3).toString('hex')}`;
    const def = protoLoader.loadSync('cri/runtime/v1/api.proto', { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
    this.cri = new ((grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType).runtime.v1.RuntimeService)(`unix://${this.socket}`, grpc.credentials.createInsecure());
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
    execFileSync('ctr', ['-a', c.socket, '-n', 'k8s.io', 'image', 'import', tar], { stdio: 'ignore' });
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

  call<Res>(method: string, req: object): Promise<Res> {
    return new Promise((resolve, reject) => {
      const fn = (this.cri as unknown as Record<string, (r: object, cb: (e: grpc.ServiceError | null, r?: Res) => void) => void>)[method];
      fn.call(this.cri, req, (err, res) => (err ? reject(new Error(`CRI ${method}: ${err.details}`)) : resolve(res!)));
    });
  }

  async runPod(p: PodSpec): Promise<RunningPod> {
    const uid = randomBytes(8).toString('hex');
    const sandbox = {
      metadata: { name: p.name, uid, namespace: p.namespace ?? 'default' },
      linux: {
        cgroup_parent: `/${this.cgroupRoot}/pod${uid}`,
        // Host networking needs no CNI; a privileged container needs a privileged sandbox.
        security_context: { privileged: !!p.privileged, namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } },
      },
    };
    const { pod_sandbox_id: podId } = await this.call<{ pod_sandbox_id: string }>('RunPodSandbox', { config: sandbox });
    const { container_id: containerId } = await this.call<{ container_id: string }>('CreateContainer', {
      pod_sandbox_id: podId,
      sandbox_config: sandbox,
      config: {
        metadata: { name: 'app' },
        image: { image: TEST_IMAGE },
        command: p.command,
        mounts: (p.hostPaths ?? []).map((m) => ({ host_path: m.host, container_path: m.container, readonly: !!m.readonly })),
        // As kubelet does for every v1 pod: the container gets its own pid namespace.
        linux: { security_context: { privileged: !!p.privileged, namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
      },
    });
    const pod = { podId, containerId, uid };
    this.pods.push(pod);
    await this.call('StartContainer', { container_id: containerId });
    return pod;
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
    this.cri.close();
    await this.killDaemon();
    // Safety net: nothing of this runtime may outlive the test, even if a
    // CRI call above failed. Shims name our socket; containers sit in our cgroups.
    spawnSync('pkill', ['-9', '-f', this.dir], { stdio: 'ignore' }); // exit 1 means nothing was left: fine
    const unified = path.join(cgroup2Mount(), this.cgroupRoot);
    killCgroupTree(unified);
    await new Promise((r) => setTimeout(r, 200));
    const roots = fs.readdirSync('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h, this.cgroupRoot));
    roots.push(unified);
    for (const root of roots) removeCgroupTree(root);
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

function removeCgroupTree(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) removeCgroupTree(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    // still has tasks: left for the kernel to report, not hidden
  }
}
