import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ContainerRegistry } from '../../../../controlplane/src/correlation/container-registry';
import { DetectionEngine } from '../../../../controlplane/src/detections/engine';
import { RuleSet } from '../../../../controlplane/src/detections/rule-set';
import { RULES } from '../../../../controlplane/src/detections/rules';
import type { Event__Output } from '../../../../proto/generated/vigil/v1/Event';
import { CONTAINER_ID, execEvent, fileEvent } from '../../../helpers/synthetic-events';

const SEC = 1_000_000_000n;
const T0 = 1_800_000_000n * SEC;
const curl = (pid: number, url: string, at: bigint, extra: string[] = []) =>
  execEvent({ pid, filename: '/usr/bin/curl', argv: ['curl', '-s', ...extra, url], containerId: CONTAINER_ID, timeNs: at });

describe('container registry: which containers it knows', () => {
  test('a container forgotten after its exit while it was the last seen is learnt again from its next events', () => {
    const r = new ContainerRegistry({ exitedGraceMs: 1000 });
    r.observe(curl(10, 'http://a.example/x', T0), 0);
    r.observe({ ...execEvent({ pid: 10, containerId: CONTAINER_ID }), body: 'container_exited', exec: null }, 0);
    r.prune(5000);
    assert.equal(r.get(CONTAINER_ID), undefined);
    r.observe(curl(11, 'http://b.example/y', T0), 6000);
    assert.deepEqual(r.get(CONTAINER_ID)?.fetches.map((f) => f.argv.at(-1)), ['http://b.example/y']);
    assert.equal(r.size, 1);
  });
});

describe('container registry: the fetches a container made', () => {
  test('a repeated command is one entry, moved to the end with its new time, and the same object (what rules keep on it stays)', () => {
    const r = new ContainerRegistry();
    r.observe(curl(10, 'http://a.example/x', T0), 0);
    r.observe(curl(11, 'http://b.example/y', T0 + SEC), 0);
    const first = r.get(CONTAINER_ID)!.fetches[0];
    const again = curl(12, 'http://a.example/x', T0 + 2n * SEC);
    r.observe(again, 0);
    const { fetches, fetchByCommand } = r.get(CONTAINER_ID)!;
    assert.deepEqual(fetches.map((f) => f.argv.at(-1)), ['http://b.example/y', 'http://a.example/x']);
    assert.equal(fetches[1], first, 'the same object');
    assert.equal(fetches[1].atMs, Number((T0 + 2n * SEC) / 1_000_000n));
    assert.equal(fetches[1].argv, again.exec!.argv, "the latest exec's own argv: a rule tells an exec from its own fetch by it");
    assert.equal(fetchByCommand.size, 2);
  });

  test('the same URL with other arguments, or another program, is another fetch', () => {
    const r = new ContainerRegistry();
    r.observe(curl(10, 'http://a.example/x', T0), 0);
    r.observe(curl(11, 'http://a.example/x', T0, ['-o', '/tmp/x']), 0);
    r.observe(execEvent({ pid: 12, filename: '/usr/bin/wget', argv: ['curl', '-s', 'http://a.example/x'], containerId: CONTAINER_ID, timeNs: T0 }), 0);
    assert.equal(r.get(CONTAINER_ID)!.fetches.length, 3);
  });

  test('past 64 fetches the oldest are forgotten, from the index too: a forgotten command seen again is new', () => {
    const r = new ContainerRegistry();
    for (let i = 0; i < 70; i++) r.observe(curl(100 + i, `http://h${i}.example/`, T0 + BigInt(i) * SEC), 0);
    const f = r.get(CONTAINER_ID)!;
    assert.equal(f.fetches.length, 64);
    assert.equal(f.fetchByCommand.size, 64);
    assert.equal(f.fetches[0].argv.at(-1), 'http://h6.example/');
    r.observe(curl(300, 'http://h0.example/', T0 + 100n * SEC), 0);
    assert.equal(f.fetches.length, 64);
    assert.equal(f.fetchByCommand.size, 64);
    assert.equal(f.fetches.at(-1)!.argv.at(-1), 'http://h0.example/');
    assert.equal(f.fetches[0].argv.at(-1), 'http://h7.example/');
  });

  test('a command whose key another shares (an argument holding a NUL, forged) replaces it, and the index stays one to one', () => {
    const r = new ContainerRegistry();
    r.observe(curl(10, 'http://a.example/x', T0, ['a\0b']), 0);
    r.observe(curl(11, 'http://a.example/x', T0 + SEC, ['a', 'b']), 0);
    const f = r.get(CONTAINER_ID)!;
    assert.deepEqual(f.fetches.map((e) => e.argv), [['curl', '-s', 'a', 'b', 'http://a.example/x']]);
    assert.equal(f.fetchByCommand.size, 1);
  });

  test('download-and-execute still sees a repeated download run, and not a repeated download as its own run', () => {
    const engine = new DetectionEngine(RuleSet.build(RULES));
    const fired = (evs: ReturnType<typeof execEvent>[]) => engine.evaluate('n', evs).filter((r) => r.alert.rule_id === 'download-and-execute').length;
    const get = (pid: number, at: bigint) => execEvent({ pid, filename: '/usr/bin/curl', argv: ['curl', '-sO', 'http://203.0.113.9/payload'], containerId: CONTAINER_ID, timeNs: at });
    assert.equal(fired([get(10, T0), get(11, T0 + SEC), get(12, T0 + 2n * SEC)]), 0, 'curl -O repeated is not the download run');
    assert.equal(fired([execEvent({ pid: 13, filename: '/work/payload', argv: ['./payload'], containerId: CONTAINER_ID, timeNs: T0 + 3n * SEC })]), 1, 'the file it wrote, run');
    // A download tool in a writable directory: each run would be "a program from /tmp run after a download" but for its own fetch.
    const tmpCurl = (pid: number, at: bigint) => execEvent({ pid, filename: '/tmp/curl', argv: ['/tmp/curl', '-sO', 'http://203.0.113.9/other'], containerId: CONTAINER_ID, timeNs: at });
    const fresh = new DetectionEngine(RuleSet.build(RULES));
    assert.equal(fresh.evaluate('n', [tmpCurl(20, T0), tmpCurl(21, T0 + SEC)]).filter((r) => r.alert.rule_id === 'download-and-execute').length, 0, 'the repeat is not a run of what it fetched itself');
  });
});

describe('container registry: bounded by recency', () => {
  const execIn = (id: string, pid: number) => execEvent({ pid, containerId: id.padEnd(64, '0') });
  const known = (r: ContainerRegistry, id: string) => r.get(id.padEnd(64, '0')) !== undefined;

  test('past the cap the container seen longest ago goes, however its events came in runs', () => {
    const r = new ContainerRegistry({ maxContainers: 2 });
    for (const [id, pid] of [['a', 1], ['a', 2], ['b', 3], ['b', 4], ['a', 5], ['c', 6]] as const) r.observe(execIn(id, pid), 0);
    assert.deepEqual([known(r, 'a'), known(r, 'b'), known(r, 'c')], [true, false, true]);
    r.observe(execIn('c', 7), 0);
    r.observe(execIn('b', 8), 0);
    assert.deepEqual([known(r, 'a'), known(r, 'b'), known(r, 'c')], [false, true, true]);
  });

  test('a container forgotten after its exit is learnt afresh when it shows up again', () => {
    const r = new ContainerRegistry({ exitedGraceMs: 10 });
    const id = 'd'.padEnd(64, '0');
    r.observe(execIn('d', 1), 0);
    r.observe({ ...execIn('d', 1), body: 'container_exited', exec: null, container_exited: { exit_code: 0 } }, 0);
    r.prune(100);
    assert.equal(r.get(id), undefined);
    r.observe(execIn('d', 2), 200);
    assert.equal(r.get(id)?.exitedAtMs, undefined, 'a new entry, not the exited one');
  });
});

describe('container registry: what the image runs, under an init', () => {
  const token = (pid: number, ppid: number, atSec: number) => ({
    ...fileEvent({}, { pid, ppid, containerId: CONTAINER_ID, timeNs: T0 + BigInt(atSec) * SEC }),
    ancestry: [{ pid: 500, exe: '/sbin/tini', argv: ['tini', '--', '/app/server'], comm: 'tini' }],
  });
  const exec = (pid: number, ppid: number, nsPid: number, filename: string, argv: string[], atSec: number) =>
    execEvent({ pid, ppid, nsPid, filename, argv, containerId: CONTAINER_ID, timeNs: T0 + BigInt(atSec) * SEC });
  const tokenAlerts = (events: Event__Output[]) => new DetectionEngine(RuleSet.build(RULES)).evaluate('n', events).filter((r) => r.alert.rule_id === 'service-account-token-read');

  test("tini's child of the first minute is the image's program: its token read is the workload's own", () => {
    const r = new ContainerRegistry();
    r.observe(exec(500, 400, 1, '/sbin/tini', ['tini', '--', '/app/server'], 0), 0);
    r.observe(exec(501, 500, 7, '/app/server', ['/app/server'], 1), 0);
    assert.deepEqual(r.get(CONTAINER_ID)!.initExecs.map((e) => e.filename), ['/sbin/tini', '/app/server']);
    const app = { ...token(501, 500, 2), process: { ...token(501, 500, 2).process!, exe: '/app/server', argv: ['/app/server'], ns_pid: 7 } };
    assert.deepEqual(tokenAlerts([exec(500, 400, 1, '/sbin/tini', ['tini', '--', '/app/server'], 0), exec(501, 500, 7, '/app/server', ['/app/server'], 1), app]), []);
  });

  test('not a child started later (an orphan re-parented to the init), nor the child of an init that is no init', () => {
    const r = new ContainerRegistry();
    r.observe(exec(500, 400, 1, '/sbin/tini', ['tini', '--', '/app/server'], 0), 0);
    r.observe(exec(501, 500, 7, '/app/server', ['/app/server'], 1), 0);
    r.observe(exec(502, 500, 8, '/bin/cat', ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'], 600), 0);
    assert.deepEqual(r.get(CONTAINER_ID)!.initExecs.map((e) => e.filename), ['/sbin/tini', '/app/server']);
    const late = [exec(500, 400, 1, '/sbin/tini', ['tini', '--', '/app/server'], 0), exec(502, 500, 8, '/bin/cat', ['cat', 'token'], 600), token(502, 500, 600)];
    assert.equal(tokenAlerts(late).length, 1, 'cat re-parented to tini ten minutes on is not the workload');
    const plain = new ContainerRegistry();
    plain.observe(exec(600, 400, 1, '/app/server', ['/app/server'], 0), 0);
    plain.observe(exec(601, 600, 2, '/bin/sh', ['sh', '-c', 'id'], 1), 0);
    assert.deepEqual(plain.get(CONTAINER_ID)!.initExecs.map((e) => e.filename), ['/app/server'], "a server's child is no program of the image");
  });

  test('supervisors under the init count too (s6, runit), and npm start\'s shell exec-ing node; not what a shell entrypoint forks', () => {
    const s6 = new ContainerRegistry();
    s6.observe(exec(500, 400, 1, '/command/s6-svscan', ['s6-svscan', '/run/service'], 0), 0);
    s6.observe(exec(510, 500, 2, '/command/s6-supervise', ['s6-supervise', 'app'], 1), 0);
    s6.observe(exec(511, 510, 3, '/app/server', ['/app/server'], 2), 0);
    assert.deepEqual(s6.get(CONTAINER_ID)!.initExecs.map((e) => e.filename), ['/command/s6-svscan', '/command/s6-supervise', '/app/server']);
    const npm = new ContainerRegistry();
    npm.observe(exec(500, 400, 1, '/usr/local/bin/npm', ['npm', 'start'], 0), 0);
    // Its #!/usr/bin/env node line: env runs node on the script in the same process.
    npm.observe(exec(500, 400, 1, '/usr/local/bin/node', ['node', '/usr/local/bin/npm', 'start'], 0), 0);
    npm.observe(exec(520, 500, 2, '/bin/sh', ['sh', '-c', 'node server.js'], 1), 0);
    npm.observe(exec(520, 500, 2, '/usr/local/bin/node', ['node', 'server.js'], 1), 0);
    assert.deepEqual(npm.get(CONTAINER_ID)!.initExecs.map((e) => `${e.filename} ${e.argv.join(' ')}`), ['/usr/local/bin/npm npm start', '/usr/local/bin/node node /usr/local/bin/npm start', '/bin/sh sh -c node server.js', '/usr/local/bin/node node server.js']);
    const script = new ContainerRegistry();
    script.observe(exec(500, 400, 1, '/bin/sh', ['sh', '/entrypoint.sh'], 0), 0);
    script.observe(exec(530, 500, 2, '/bin/cat', ['cat', '/etc/config'], 1), 0);
    assert.deepEqual(script.get(CONTAINER_ID)!.initExecs.map((e) => e.filename), ['/bin/sh'], "an entrypoint script's helpers are not the image's program: an intruder runs the same");
  });
});
