import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listRules } from '../../../controlplane/src/cli/rules';
import { TestCgroup } from '../../helpers/cgroup2';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { run, uniqueToken } from '../../helpers/processes';
import { tempDir } from '../../helpers/temp-dir';
import { runVigil, startVigil, type LiveCommand } from '../../helpers/vigil-cli';
import { eventually } from '../../helpers/eventually';


describe('vigil up, end to end', kernelTestOptions(), () => {
  const dataDir = tempDir('vigil-up-');
  let up: LiveCommand;
  let follow: LiveCommand;
  const containerId = randomBytes(32).toString('hex');
  let cgroup: TestCgroup;

  before(async () => {
    cgroup = new TestCgroup(`vigil-up-${process.pid}`, containerId);
    up = startVigil(['up', '--data-dir', dataDir, '--status-interval', '1s', '--batch-interval', '100ms']);
    await up.waitFor(/1 sensor connected/, 20_000);
  });
  after(async () => {
    follow?.child.kill('SIGINT');
    up.child.kill('SIGINT');
    const { code } = await up.exited;
    assert.equal(code, 0, `vigil up exited badly:\n${up.stderr()}`);
    cgroup.remove();
  });

  test('a real process\'s exec is found by vigil events', async () => {
    const token = uniqueToken();
    const child = await run('/bin/true', [token]);
    const found = await eventually('exec in the store', async () => {
      const r = await runVigil(['events', '--data-dir', dataDir, '--type', 'exec', '--json', '-n', '500']);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.event.exec.argv.includes(token));
    });
    assert.equal(found.event.process.pid, child.pid);
    assert.equal(found.event.exec.filename, '/bin/true');
    assert.ok(Number(found.batch_seq) > 0);
    // Its fork and exit kept the sensor's process tree and stayed there (no --forward).
    const own = await runVigil(['events', '--data-dir', dataDir, '--pid', String(child.pid), '--json']);
    assert.deepEqual(own.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).event.body), ['exec']);
    const forks = await runVigil(['events', '--data-dir', dataDir, '--type', 'fork', '--json']);
    assert.equal(forks.stdout, '', 'no fork is sent by default');
  });

  test('the kernel counters are pinned where the README says: under /sys/fs/bpf/vigil, named by a hash of the sensor\'s log directory', () => {
    const hash = createHash('sha256').update(path.resolve(dataDir, 'sensor')).digest('hex').slice(0, 16);
    assert.ok(fs.existsSync(`/sys/fs/bpf/vigil/${hash}/counters`), fs.readdirSync('/sys/fs/bpf/vigil').join(' '));
  });

  test('a read of a watched file goes through the sensor\'s stages to vigil events --type file', async () => {
    const reader = await run('/bin/cat', ['/etc/shadow']);
    assert.equal(reader.code, 0, reader.stderr);
    const found = await eventually('file event in the store', async () => {
      const r = await runVigil(['events', '--data-dir', dataDir, '--type', 'file', '--pid', String(reader.pid), '--json']);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.event.file.path === '/etc/shadow');
    });
    assert.equal(found.event.file.category, 'shadow');
    assert.equal(found.event.file.access, 'ACCESS_READ');
    assert.equal(found.event.process.exe, '/bin/cat', 'the process tree named the executable');
    assert.deepEqual(found.event.process.argv, ['/bin/cat', '/etc/shadow']);
  });

  test('a shell in a container reaches vigil alerts --follow', async () => {
    follow = startVigil(['alerts', '--follow', '--json', '--data-dir', dataDir]);
    await new Promise((r) => setTimeout(r, 500));
    const token = uniqueToken();
    const child = await run('/bin/sh', ['-c', `echo $$ > ${cgroup.dir}/cgroup.procs && exec /bin/sh -c "/bin/true ${token}"`]);
    assert.equal(child.code, 0, child.stderr);
    await follow.waitFor(/"rule_id":"shell-in-container"/, 15_000);
    const alert = follow.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((a) => a.rule_id === 'shell-in-container');
    assert.ok(alert, follow.stdout().slice(0, 3000));
    assert.equal(alert.container_id, containerId);
    assert.equal(alert.pid, child.pid);
    assert.equal(alert.evidence.event.exec.filename, '/bin/sh');
    assert.deepEqual(alert.evidence.event.exec.argv, ['/bin/sh', '-c', `/bin/true ${token}`]);
    const listed = await runVigil(['alerts', '--data-dir', dataDir, '--rule', 'shell-in-container']);
    assert.match(listed.stdout, new RegExp(`MEDIUM\\s+shell-in-container.*${containerId.slice(0, 12)}`));
  });

  test('vigil simulate --node: each process-level node rule alerts on its harmless stand-in; without a runtime the container ones are skipped, said why', async () => {
    const scratch = () => fs.readdirSync('/tmp').filter((n) => /^vigil-simulate-[0-9a-f]{8}$/.test(n));
    const earlier = scratch();
    const sim = await runVigil(['simulate', '--node', '--json', '--data-dir', dataDir, '--cri-socket', '/nonexistent/cri.sock']);
    assert.equal(sim.code, 0, sim.stdout + sim.stderr);
    assert.deepEqual(scratch().filter((n) => !earlier.includes(n)), [], 'nothing left in the temporary directory');
    const outcomes: { rule_id: string; alerted: boolean; skipped?: string }[] = sim.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const hostRules = listRules().filter((r) => r.kind === 'node').map((r) => r.id);
    assert.deepEqual(outcomes.map((o) => o.rule_id).sort(), [...hostRules].sort(), 'every node rule is simulated');
    for (const o of outcomes)
      if (['privileged-container-started', 'sensitive-host-mount-started'].includes(o.rule_id)) assert.match(o.skipped ?? '', /runtime at \/nonexistent\/cri\.sock refused|UNAVAILABLE|No connection/, o.rule_id);
      else assert.equal(o.alerted, true, `${o.rule_id}: ${JSON.stringify(o)}`);
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'intel')), [], 'the temporary feed is gone');
  });

  test('a second sensor on the same log is refused, and no gap is recorded for the first', async () => {
    const gaps = async () => (await runVigil(['gaps', '--data-dir', dataDir, '--json', '-n', '1000'])).stdout;
    const earlier = await gaps();
    const second = startVigil(['sensor', '--data-dir', dataDir, '--token-file', path.join(dataDir, 'token')]);
    const ended = await Promise.race([second.exited, new Promise<null>((r) => setTimeout(r, 20_000, null))]);
    if (!ended) {
      second.child.kill('SIGINT');
      await second.exited;
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.equal(ended?.code, 1, `the second sensor ${ended ? 'exited so' : 'ran'}:\n${second.stderr()}`);
    assert.match(second.stderr(), /another sensor \(pid \d+\) uses the log in .*sensor; stop it/);
    assert.equal(await gaps(), earlier, 'the running sensor was not reported as dead');
  });

  test('a crashed sensor is restarted and events keep flowing', async () => {
    const pgrep = await run('/usr/bin/pgrep', ['-f', `sensor --data-dir ${dataDir}`]);
    const [sensorPid] = pgrep.stdout.split('\n').filter(Boolean).map(Number);
    assert.ok(sensorPid > 0, 'the sensor child runs');
    const cmdline = fs.readFileSync(`/proc/${sensorPid}/cmdline`, 'utf8');
    assert.match(cmdline, /\x00--batch-interval\x00100ms\x00/, 'up hands its batch interval to the sensor');
    assert.match(cmdline, /^[^\x00]+\x00--max-semi-space-size=4\x00--heap-growing-percent=100\x00/, 'the sensor runs with the heap sizing the README gives');
    process.kill(sensorPid, 'SIGKILL');
    await up.waitFor(/sensor exited \(SIGKILL\); restarting/);
    const token = uniqueToken();
    await eventually('the restarted sensor streaming', async () => {
      await run('/bin/true', [token]);
      const r = await runVigil(['events', '--data-dir', dataDir, '--type', 'exec', '--json', '-n', '200']);
      return r.stdout.includes(token) ? true : undefined;
    });
  });

  test('bad arguments and a missing store give one clear line and a non-zero exit', async () => {
    const missing = await runVigil(['events', '--data-dir', tempDir('vigil-empty-')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^vigil: no Vigil store at .*vigil\.db: start the control plane \(vigil up\) or pass --data-dir\n$/);
    const badTime = await runVigil(['events', '--data-dir', dataDir, '--since', 'yesterday-ish']);
    assert.equal(badTime.code, 2);
    assert.match(badTime.stderr, /is not a time/);
    for (const [args, why] of [
      [['events', '--data-dir', dataDir, '--since', '1'], /"1" is not a time/],
      [['up', '--data-dir', tempDir(), '--status-interval', '99999999d'], /out of range: between 1s and 1d/],
      [['sensor', '--data-dir', tempDir(), '--tls-cert', '/etc/hostname'], /--tls-cert.*--tls-key|--tls-key.*--tls-cert/],
      [['sensor', '--data-dir', tempDir(), '--ring-bytes', '3MiB'], /power of two/],
      [['up', '--data-dir', tempDir(), '--batch-interval', '5ms'], /out of range: between 10ms and 10s/],
      [['up', '--data-dir', tempDir(), '--forward', 'fork,exec'], /unknown process-tree event "exec"; expected a comma list of fork, exit/],
    ] as const) {
      const r = await runVigil([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, why);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    }
    const badRetention = await runVigil(['controlplane', '--data-dir', tempDir(), '--retention', '7 days']);
    assert.equal(badRetention.code, 2);
    assert.match(badRetention.stderr, /is not a duration/);
    const wrongToken = tempDir();
    fs.writeFileSync(`${wrongToken}/token`, 'x'.repeat(64));
    const refused = await runVigil(['alerts', '--follow', '--data-dir', dataDir, '--token-file', `${wrongToken}/token`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refused|UNAUTHENTICATED|credentials/i);
    const unreachable = await runVigil(['alerts', '--follow', '--controlplane', 'unix:///nonexistent/vigil.sock', '--token-file', `${wrongToken}/token`]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /control plane at unix:\/\/\/nonexistent\/vigil\.sock/);
  });
});
