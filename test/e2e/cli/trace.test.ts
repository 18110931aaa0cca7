import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { run, uniqueToken } from '../../helpers/processes';
import { VIGIL, runVigil, startVigil } from '../../helpers/vigil-cli';

describe('vigil trace', kernelTestOptions(), () => {
  test('--json prints one event object per line; Ctrl-C prints totals and drops', async () => {
    const trace = startVigil(['trace', '--json', '--type', 'exec']);
    await trace.waitFor(/tracing exec/);
    const token = uniqueToken();
    const child = await run('/bin/true', [token]);
    await trace.waitFor(new RegExp(token));
    trace.child.kill('SIGINT');
    const { code } = await trace.exited;
    assert.equal(code, 0, trace.stderr());
    const events = trace.stdout().trim().split('\n').map((l) => JSON.parse(l));
    const mine = events.find((e) => e.exec?.argv?.includes(token));
    assert.equal(mine.process.pid, child.pid);
    assert.equal(mine.exec.filename, '/bin/true');
    assert.ok(events.every((e) => e.body === 'exec' || e.body === 'loss'), 'only the requested type');
    // The totals count the lines printed, and say which of the kernel's events were loaded for the tree only.
    const totals = /vigil trace: (\d+) events? shown; the kernel reported (\d+), \d+ dropped, in \d+ batch(?:es)?: exec=(\d+) fork=\d+ \(not shown: kept for the process tree\) exit=\d+ \(not shown: kept for the process tree\)\n$/.exec(trace.stderr());
    assert.ok(totals, trace.stderr());
    assert.equal(Number(totals[1]), events.filter((e) => e.body === 'exec').length);
    assert.ok(Number(totals[2]) > Number(totals[3]), 'fork and exit are counted among what the kernel reported');
  });

  test('--pid keeps one process; the table has a header and one line per event', async () => {
    // The shell's pid is known before it execs: it waits for a line on stdin.
    const token = uniqueToken();
    const shell = spawn('/bin/sh', ['-c', `read go; exec /bin/echo ${token}`], { stdio: ['pipe', 'ignore', 'ignore'] });
    const trace = startVigil(['trace', '--type', 'exec', '--pid', String(shell.pid)]);
    await trace.waitFor(/tracing exec/);
    await run('/bin/echo', [`${token}-elsewhere`]);
    shell.stdin!.end('go\n');
    await new Promise((r) => shell.once('close', r));
    await trace.waitFor(new RegExp(`\\[/bin/echo ${token}\\]`));
    trace.child.kill('SIGINT');
    await trace.exited;
    const lines = trace.stdout().trim().split('\n');
    assert.match(lines[0], /^TIME\s+EVENT\s+PID\s+PPID\s+UID\s+COMM\s+CONTAINER\s+DETAILS/);
    assert.equal(lines.length, 2, `only the header and the shell's exec:\n${trace.stdout()}`);
    assert.match(lines[1], new RegExp(`exec\\s+${shell.pid}\\s+${process.pid}\\s+0 echo\\s+-\\s+/bin/echo \\[/bin/echo ${token}\\]`));
    assert.match(trace.stderr(), /vigil trace: 1 event shown; the kernel reported \d+/);
  });

  test('--type fork,exit shows the process tree\'s events when asked for', async () => {
    const trace = startVigil(['trace', '--json', '--type', 'fork,exit']);
    await trace.waitFor(/tracing fork,exit/);
    const child = await run('/bin/sh', ['-c', 'exit 5']);
    await trace.waitFor(new RegExp(`"pid":${child.pid},[^\n]*"exit":\\{[^}]*"code":5`));
    trace.child.kill('SIGINT');
    await trace.exited;
    const events = trace.stdout().trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(events.some((e) => e.body === 'fork' && e.fork.child_pid === child.pid), 'its fork');
    assert.ok(events.some((e) => e.body === 'exit' && e.process.pid === child.pid && e.exit.code === 5), 'its exit');
  });

  test('--type file shows accesses to the default watched paths, one line each', async () => {
    const trace = startVigil(['trace', '--type', 'file']);
    await trace.waitFor(/tracing file/);
    const reader = await run('/bin/cat', ['/etc/shadow']);
    assert.equal(reader.code, 0, reader.stderr);
    await trace.waitFor(new RegExp(`file\\s+${reader.pid}\\s.*read /etc/shadow \\[shadow\\] openat ok`));
    trace.child.kill('SIGINT');
    const { code } = await trace.exited;
    assert.equal(code, 0, trace.stderr());
    assert.match(trace.stderr(), /file=\d+/);
  });

  test('bad arguments: one clear message and a non-zero exit', async () => {
    const badType = await runVigil(['trace', '--type', 'exec,open']);
    assert.equal(badType.code, 2);
    assert.match(badType.stderr, /unknown event type "open"/);
    const badRing = await runVigil(['trace', '--ring-bytes', '5000']);
    assert.equal(badRing.code, 2);
    assert.match(badRing.stderr, /power of two/);
    const badPid = await runVigil(['trace', '--pid', 'abc']);
    assert.equal(badPid.code, 2);
    assert.match(badPid.stderr, /"abc" is not a process id/);
  });

  test('without privileges: the reason and what to do, exit 1', async () => {
    const asNobody = await run(process.execPath, [VIGIL, 'trace'], { uid: 65534, gid: 65534 });
    assert.equal(asNobody.code, 1);
    assert.match(asNobody.stderr, /^vigil: insufficient privileges \(euid 65534\): Vigil needs root or CAP_BPF\+CAP_PERFMON/);
  });
});
