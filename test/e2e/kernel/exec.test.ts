import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import type { ExecutedFile__Output } from '../../../proto/generated/vigil/v1/ExecutedFile';
import { cFixture } from '../../helpers/c-fixture';
import { EventRecorder } from '../../helpers/event-recorder';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { TestOverlay } from '../../helpers/overlay';
import { run, uniqueToken } from '../../helpers/processes';
import { tempDir } from '../../helpers/temp-dir';

/** The kernel's view of `file` must be stat(2)'s. */
function assertSameFile(got: ExecutedFile__Output | null | undefined, file: string): void {
  const st = fs.statSync(file, { bigint: true });
  assert.ok(got, `no file facts for ${file}`);
  assert.equal(got.inode, String(st.ino), `inode of ${file}`);
  assert.equal(got.device, String(st.dev), `device of ${file}`);
  assert.equal(got.size, String(st.size), `size of ${file}`);
  assert.equal(got.links, Number(st.nlink), `links of ${file}`);
  assert.equal(got.name, path.basename(file));
}

describe('exec events from the kernel', kernelTestOptions(), () => {
  let rec: EventRecorder;
  before(() => (rec = new EventRecorder({ types: ['exec', 'fork', 'exit'] })));
  after(() => rec.stop());

  const execWith = (token: string) => (ev: { exec?: { argv: string[] } | null }) => !!ev.exec?.argv.includes(token);

  test('/bin/true with a unique argv: pid, ppid, filename, argv, ids', async () => {
    const token = uniqueToken();
    const child = await run('/bin/true', [token, 'second arg']);
    const ev = await rec.waitFor('exec', execWith(token));
    assert.equal(ev.body, 'exec');
    assert.equal(ev.process?.pid, child.pid);
    assert.equal(ev.process?.tid, child.pid);
    assert.equal(ev.process?.ppid, process.pid);
    assert.equal(ev.process?.uid, 0);
    assert.equal(ev.process?.gid, 0);
    assert.equal(ev.process?.comm, 'true');
    assert.equal(ev.exec?.filename, '/bin/true');
    assert.deepEqual(ev.exec?.argv, ['/bin/true', token, 'second arg']);
    assert.equal(ev.exec?.argc, 3);
    assert.equal(ev.exec?.argv_truncated, false);
    assert.equal(ev.exec?.euid, 0);
    assert.equal(ev.exec?.has_tty, false, 'spawned without a terminal');
    assert.notEqual(ev.exec?.cap_effective, '0', 'root has effective capabilities');
    assert.ok(BigInt(ev.boot_ns) > 0n);
    const skewMs = Math.abs(Number(BigInt(ev.time_unix_nano) / 1_000_000n) - Date.now());
    assert.ok(skewMs < 10_000, `wall clock derived from boot_ns is ${skewMs} ms off`);
    assert.equal(ev.container?.id, '', 'a host process has no container id');
    assert.ok(Number(ev.container?.cgroup_id) > 0);
    assert.ok((ev.namespaces?.mnt ?? 0) > 0 && (ev.namespaces?.pid ?? 0) > 0 && (ev.namespaces?.net ?? 0) > 0);
    assertSameFile(ev.exec?.binary, fs.realpathSync('/bin/true'));
    assert.equal(ev.exec?.binary?.layer, 'LAYER_NOT_OVERLAY', 'the host root is not overlayfs');
    assert.equal(ev.exec?.binary?.memfd, false);
    assert.equal(ev.exec?.binary?.deleted, false);
    assert.equal(ev.exec?.script, null, 'a plain binary has no script');
    assert.equal(ev.exec?.interpreter, '');
    assert.equal(ev.exec?.via_fd, false);
  });

  test('a non-root user: uid and euid are the caller\'s', async () => {
    const token = uniqueToken();
    const child = await run('/bin/true', [token], { uid: 65534, gid: 65534 });
    const ev = await rec.waitFor('exec', execWith(token));
    assert.equal(ev.process?.pid, child.pid);
    assert.equal(ev.process?.uid, 65534);
    assert.equal(ev.process?.gid, 65534);
    assert.equal(ev.exec?.euid, 65534);
    assert.equal(ev.exec?.cap_effective, '0', 'nobody has no effective capabilities');
  });

  test('a long argv is cut at the bound and flagged, argc stays exact', async () => {
    const token = uniqueToken();
    const filler = Array.from({ length: 200 }, (_, i) => `arg-${i}-${'x'.repeat(40)}`);
    const child = await run('/bin/true', [token, ...filler]);
    const ev = await rec.waitFor('exec', execWith(token));
    assert.equal(ev.process?.pid, child.pid);
    assert.equal(ev.exec?.argc, 202);
    assert.equal(ev.exec?.argv_truncated, true);
    assert.ok((ev.exec?.argv.length ?? 0) < 202);
    assert.deepEqual(ev.exec?.argv.slice(0, 3), ['/bin/true', token, filler[0]]);
    // Up to the bound, not less: the addon copies an exec record only as far as its arguments go.
    assert.ok((ev.exec?.argv.join('\0').length ?? 0) > 4000, `argv kept ${ev.exec?.argv.join('\0').length} bytes`);
  });

  test('exec from a non-leader thread carries the process id', async () => {
    const token = uniqueToken();
    const child = await run(cFixture('exec-from-thread', ['-pthread']), ['/bin/true', token]);
    assert.equal(child.code, 0, child.stderr);
    // The fixture's own exec has the token in its argv too.
    const ev = await rec.waitFor('exec', (e) => execWith(token)(e) && e.exec?.filename === '/bin/true');
    assert.equal(ev.process?.pid, child.pid);
    assert.equal(ev.process?.tid, child.pid, 'after de_thread the exec runs as the leader');
    assert.equal(ev.exec?.filename, '/bin/true');
  });

  test('a failed exec (ENOENT) yields no exec event, only fork and exit', async () => {
    const token = uniqueToken();
    const missing = `/nonexistent/${token}`;
    const child = await run('/bin/sh', ['-c', `${missing} ${token}; exit 3`]);
    assert.equal(child.code, 3);
    await rec.waitFor('exit of the shell', (ev) => ev.body === 'exit' && ev.process?.pid === child.pid);
    await rec.settle();
    assert.equal(rec.events.filter(execWith(token)).length, 0, 'no exec event for a path that does not exist');
  });

  test('a script: binary is its interpreter, script is the file that was named', async () => {
    const token = uniqueToken();
    const script = path.join(tempDir(), 'hello.sh');
    fs.writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const child = await run(script, [token]);
    assert.equal(child.code, 0, child.stderr);
    const ev = await rec.waitFor('exec of the script', (e) => e.process?.pid === child.pid && e.body === 'exec');
    assert.equal(ev.exec?.filename, script);
    assert.equal(ev.exec?.interpreter, '/bin/sh');
    assertSameFile(ev.exec?.binary, fs.realpathSync('/bin/sh'));
    assertSameFile(ev.exec?.script, script);
    assert.equal(ev.exec?.script?.layer, 'LAYER_NOT_OVERLAY');
  });

  test('every record decoded', () => {
    assert.deepEqual(rec.errors, []);
  });
});

describe('exec: what the executed file is, read from its inode', kernelTestOptions(), () => {
  let rec: EventRecorder;
  let ovl: TestOverlay;
  before(() => {
    // The image layer: a binary, a shell and a script, as shipped.
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'image.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    ovl = new TestOverlay({ 'image-true': '/bin/true', 'image-sh': '/bin/sh', 'edited-true': '/bin/true', 'image.sh': path.join(dir, 'image.sh') });
    rec = new EventRecorder({ types: ['exec'] });
  });
  after(async () => {
    await rec.stop();
    ovl.unmount();
  });

  async function execOf(file: string, args: string[] = []): Promise<Event__Output> {
    const token = uniqueToken();
    const child = await run(file, [...args, token]);
    assert.equal(child.code, 0, `${file}: ${child.stderr}`);
    return rec.waitFor(`exec of ${file}`, (e) => e.process?.pid === child.pid && e.body === 'exec');
  }

  /** The payload's exec: the fixture execs itself first, then (same pid) the payload. */
  async function filelessExec(mode: string): Promise<Event__Output> {
    const fixture = cFixture('fileless-exec');
    const token = uniqueToken();
    const child = await run(fixture, [mode, '/bin/true', token]);
    assert.equal(child.code, 0, `${mode}: ${child.stderr}`);
    return rec.waitFor(`${mode} exec`, (e) => e.process?.pid === child.pid && e.body === 'exec' && e.exec?.filename !== fixture);
  }

  test('a binary only in the lower (image) layer is LAYER_LOWER', async () => {
    const ev = await execOf(ovl.at('image-true'));
    assert.equal(ev.exec?.binary?.layer, 'LAYER_LOWER');
    assertSameFile(ev.exec?.binary, ovl.at('image-true'));
  });

  test('a binary copied in after the mount is LAYER_UPPER', async () => {
    fs.copyFileSync('/bin/true', ovl.at('dropped'));
    fs.chmodSync(ovl.at('dropped'), 0o755);
    const ev = await execOf(ovl.at('dropped'));
    assert.equal(ev.exec?.binary?.layer, 'LAYER_UPPER');
    assertSameFile(ev.exec?.binary, ovl.at('dropped'));
    assert.ok(fs.existsSync(path.join(ovl.upper, 'dropped')), 'the file lives in the upper dir');
  });

  test('an image binary modified in place (copy-up) is LAYER_UPPER', async () => {
    fs.appendFileSync(ovl.at('edited-true'), '\0');
    const ev = await execOf(ovl.at('edited-true'));
    assert.equal(ev.exec?.binary?.layer, 'LAYER_UPPER');
    assertSameFile(ev.exec?.binary, ovl.at('edited-true'));
  });

  test('a renamed copy of the image\'s shell is LAYER_UPPER under its new name; the shell itself is LAYER_LOWER', async () => {
    fs.copyFileSync(ovl.at('image-sh'), ovl.at('kworker'));
    fs.chmodSync(ovl.at('kworker'), 0o755);
    const copy = await execOf(ovl.at('kworker'), ['-c', 'exit 0']);
    assert.equal(copy.exec?.binary?.layer, 'LAYER_UPPER');
    assert.equal(copy.exec?.binary?.name, 'kworker');
    assert.equal(copy.exec?.binary?.size, String(fs.statSync('/bin/sh').size), 'same bytes as the shell');
    const shell = await execOf(ovl.at('image-sh'), ['-c', 'exit 0']);
    assert.equal(shell.exec?.binary?.layer, 'LAYER_LOWER');
  });

  test('a script: the script\'s own layer is reported, upper or lower', async () => {
    fs.writeFileSync(ovl.at('dropped.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const dropped = await execOf(ovl.at('dropped.sh'));
    assert.equal(dropped.exec?.interpreter, '/bin/sh');
    assert.equal(dropped.exec?.script?.layer, 'LAYER_UPPER');
    assertSameFile(dropped.exec?.script, ovl.at('dropped.sh'));
    assert.equal(dropped.exec?.binary?.layer, 'LAYER_NOT_OVERLAY', 'the interpreter is the host\'s /bin/sh');
    const shipped = await execOf(ovl.at('image.sh'));
    assert.equal(shipped.exec?.script?.layer, 'LAYER_LOWER');
    assertSameFile(shipped.exec?.script, ovl.at('image.sh'));
  });

  test('memfd_create + execveat(fd, "", AT_EMPTY_PATH): memfd, via_fd, no links', async () => {
    const ev = await filelessExec('memfd');
    assert.equal(ev.exec?.filename, '/dev/fd/3', 'the kernel names an fd exec /dev/fd/N');
    assert.equal(ev.exec?.via_fd, true);
    assert.equal(ev.exec?.binary?.memfd, true);
    assert.equal(ev.exec?.binary?.deleted, false);
    assert.equal(ev.exec?.binary?.links, 0);
    assert.equal(ev.exec?.binary?.name, 'memfd:vigil-payload');
    assert.equal(ev.exec?.binary?.size, String(fs.statSync('/bin/true').size));
  });

  test('a memfd run through /proc/self/fd/N is the same fact', async () => {
    const ev = await filelessExec('memfd-proc');
    assert.match(ev.exec?.filename ?? '', /^\/proc\/self\/fd\/\d+$/);
    assert.equal(ev.exec?.via_fd, true);
    assert.equal(ev.exec?.binary?.memfd, true);
  });

  test('a binary unlinked before it is executed: deleted, not memfd', async () => {
    const ev = await filelessExec('deleted');
    assert.equal(ev.exec?.via_fd, true);
    assert.equal(ev.exec?.binary?.deleted, true);
    assert.equal(ev.exec?.binary?.memfd, false);
    assert.equal(ev.exec?.binary?.links, 0);
    assert.match(ev.exec?.binary?.name ?? '', /^vigil-deleted-/);
  });

  test('the layout the sensor assumes without overlayfs BTF holds on this kernel', () => {
    // exe.bpf.h: with no `struct ovl_inode` in BTF (overlayfs a module not
    // yet loaded) the upper dentry is read one `struct inode` past the VFS
    // inode. Check that against the real layout where BTF has both.
    const raw = execFileSync(fs.existsSync('/usr/sbin/bpftool') ? '/usr/sbin/bpftool' : 'bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'raw'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const struct = (name: string) => {
      const m = new RegExp(`STRUCT '${name}' size=(\\d+) vlen=\\d+\\n((?:\\t.*\\n)+)`).exec(raw);
      assert.ok(m, `struct ${name} in vmlinux BTF`);
      const member = (field: string) => Number(new RegExp(`'${field}' type_id=\\d+ bits_offset=(\\d+)`).exec(m[2])?.[1]) / 8;
      return { size: Number(m[1]), member };
    };
    const ovl = struct('ovl_inode');
    assert.equal(ovl.member('__upperdentry') - ovl.member('vfs_inode'), struct('inode').size);
  });

  test('every record decoded', () => {
    assert.deepEqual(rec.errors, []);
  });
});
