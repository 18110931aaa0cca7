/**
 * `vigil cluster` over real processes: three `vigil controlplane` node
 * processes, each with its own store and TCP port, and one cluster view
 * that reaches them with one shared reader token. Alerts are raised on the
 * nodes by a sensor-role gRPC client (no kernel needed). Nodes and the
 * cluster view are killed with SIGKILL and restarted; in the end every
 * alert raised on a node is in the cluster view exactly once, and
 * `vigil alerts --follow` against the cluster view printed each once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import type { StatusResponse__Output } from '../../../proto/generated/vigil/v1/StatusResponse';
import { TestSensorStream, metadataWith, queryClient, subscribeAlerts } from '../../helpers/grpc-clients';
import { CONTAINER_ID, execEvent } from '../../helpers/synthetic-events';
import { tempDir } from '../../helpers/temp-dir';
import { metric, scrapeMetrics } from '../../helpers/metrics-text';
import { runVigil, startVigil, type LiveCommand } from '../../helpers/vigil-cli';
import { freePort } from '../../helpers/free-port';
import { waitUntil as until } from '../../helpers/eventually';


/** What the processes said, for a failure's message. */
let context = () => '';
const waitUntil = (what: string, cond: () => boolean | Promise<boolean>, ms = 20_000) => until(what, cond, ms, () => context());


/** The pid an alert raised by shellWith(pid) names: each one raised is unique. */
const pidOf = (a: Alert__Output) => a.pid;

/**
 * A shell in a container, its command made unique by a word spelled from
 * its pid in letters (g-z), so no two merge into one alert (numbers do not
 * tell commands apart for the merge).
 */
function shellWith(pid: number) {
  const word = [...pid.toString(20)].map((d) => String.fromCharCode(103 + parseInt(d, 20))).join('');
  return execEvent({ pid, ppid: pid + 500_000, filename: '/bin/sh', argv: ['sh', '-c', `id; echo ${word}`], containerId: CONTAINER_ID });
}

class Node {
  readonly dataDir = tempDir('vigil-node-');
  process: LiveCommand | undefined;
  sensor: TestSensorStream | undefined;
  seq = 0n;
  /** pids of the alerts raised on this node, in order. */
  readonly raised: number[] = [];
  readonly eventsSent: number[] = [];

  constructor(readonly name: string, readonly port: number, private nextPid: number) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(readerTokenFile: string | undefined): Promise<void> {
    // The shared reader credential is accepted before the node first starts, as an init step would.
    if (readerTokenFile) {
      const made = await runVigil(['token', 'create', '--data-dir', this.dataDir, '--reader', 'cluster-view', '--from', readerTokenFile]);
      assert.equal(made.code, 0, made.stderr);
    }
    this.process = startVigil(['controlplane', '--data-dir', this.dataDir, '--listen', this.address]);
    await this.process.waitFor(/listening on/);
    this.sensor = new TestSensorStream(this.address, fs.readFileSync(path.join(this.dataDir, 'token'), 'utf8').trim());
    this.seq = await this.sensor.hello(this.name);
  }

  /** Raises `n` alerts (one shell each, distinct pids so none merges); resolves once the node committed them. */
  async raise(n: number): Promise<void> {
    const events = Array.from({ length: n }, () => {
      const pid = this.nextPid++;
      this.raised.push(pid);
      this.eventsSent.push(pid);
      return shellWith(pid);
    });
    const ack = await this.sensor!.send(this.name, ++this.seq, events);
    assert.equal(ack.duplicate, false);
  }

  async kill(): Promise<void> {
    this.sensor?.close();
    this.process!.child.kill('SIGKILL');
    await this.process!.exited;
  }

  async stop(): Promise<void> {
    this.sensor?.close();
    if (this.process && this.process.child.exitCode === null && this.process.child.signalCode === null) {
      this.process.child.kill('SIGTERM');
      await this.process.exited;
    }
  }
}

describe('vigil cluster: the cluster view over three node control planes', { timeout: 300_000 }, () => {
  const readerToken = path.join(tempDir('vigil-reader-'), 'reader.token');
  fs.writeFileSync(readerToken, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const viewDir = tempDir('vigil-view-');
  const viewSocket = `unix://${path.join(viewDir, 'vigil.sock')}`;
  const nodes: Node[] = [];
  let view: LiveCommand | undefined;
  let follow: LiveCommand | undefined;
  const viewLog: string[] = [];
  let metricsPort = 0;

  const startView = async () => {
    if (view) viewLog.push(view.stderr());
    view = startVigil(['cluster', '--data-dir', viewDir, '--nodes', nodes.map((n) => n.address).join(','), '--node-token-file', readerToken, '--metrics-listen', '127.0.0.1:0']);
    await view.waitFor(/listening on/);
    metricsPort = Number(/metrics endpoint on 127\.0\.0\.1:(\d+)/.exec(view.stderr())![1]);
  };
  const viewToken = () => fs.readFileSync(path.join(viewDir, 'token'), 'utf8').trim();
  const viewStatus = () =>
    new Promise<StatusResponse__Output>((resolve, reject) => {
      const q = queryClient(viewSocket);
      q.Status({}, metadataWith(viewToken()), (err, res) => {
        q.close();
        if (err) reject(err);
        else resolve(res!);
      });
    });
  const followed = (): Alert__Output[] =>
    follow!
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Alert__Output);
  const allRaised = () => nodes.flatMap((n) => n.raised);
  context = () => `cluster view:\n${viewLog.join('')}${view?.stderr() ?? ''}\nalerts --follow: ${follow?.stdout().split('\n').length} lines; ${follow?.stderr()}`;

  after(async () => {
    follow?.child.kill('SIGINT');
    await follow?.exited;
    view?.child.kill('SIGTERM');
    await view?.exited;
    for (const n of nodes) await n.stop();
  });

  test('every node alert reaches the cluster view once, across SIGKILLs of a node and of the cluster view', async () => {
    for (let i = 1; i <= 3; i++) {
      const node = new Node(`n${i}`, await freePort(), i * 100_000);
      nodes.push(node);
      await node.start(readerToken);
    }
    // Alerts raised before the cluster view first starts are taken too.
    for (const n of nodes) await n.raise(2);
    await startView();
    follow = startVigil(['alerts', '--follow', '--json', '--controlplane', viewSocket, '--token-file', path.join(viewDir, 'token')]);
    for (const n of nodes) await n.raise(3);
    await waitUntil('the first 15 alerts at the cluster view', () => followed().length >= 15);

    // A node dies with alerts the cluster view may not have taken yet.
    const [n1, n2, n3] = nodes;
    await n2.raise(3);
    await n2.kill();
    await n1.raise(2);
    await n3.raise(2);
    await waitUntil('the other nodes\' alerts while n2 is down', () => followed().filter((a) => a.node_name !== 'n2').length >= 14);
    await waitUntil('n2 reported unreachable in Status', async () => (await viewStatus()).cluster_nodes.some((c) => c.address === n2.address && !c.connected && c.last_error !== ''));
    await waitUntil('n2 reported unreachable in the log', () => new RegExp(`node ${n2.address} unreachable`).test(view!.stderr()));

    await n2.start(undefined);
    await n2.raise(3);
    await waitUntil('n2\'s alerts after its restart', () => followed().filter((a) => a.node_name === 'n2').length >= 11);

    // The cluster view dies; the nodes go on raising.
    view!.child.kill('SIGKILL');
    await view!.exited;
    for (const n of nodes) await n.raise(4);
    await startView();
    for (const n of nodes) await n.raise(2);

    const expected = allRaised().length;
    assert.equal(expected, 6 + 9 + 3 + 4 + 3 + 12 + 6);
    await waitUntil(`all ${expected} alerts followed`, () => followed().length >= expected, 40_000);

    // The store of the cluster view: each node alert once, with its origin.
    const sub = subscribeAlerts(viewSocket, viewToken(), { after_id: '0' });
    const stored = await sub.waitFor(expected, 20_000);
    await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show up
    sub.close();
    assert.equal(stored.length, expected, 'no alert stored twice');
    assert.deepEqual(stored.map(pidOf).sort(), allRaised().sort(), 'every raised alert is there');
    for (const a of stored) {
      const node = nodes.find((n) => n.raised.includes(a.pid))!;
      assert.equal(a.node_name, node.name);
      assert.equal(a.origin?.node_address, node.address);
      assert.match(a.origin?.store_id ?? '', /^[0-9a-f]{32}$/);
    }
    const origins = new Set(stored.map((a) => `${a.origin!.store_id}/${a.origin!.alert_id}`));
    assert.equal(origins.size, expected, 'one alert per origin');

    // What `vigil alerts --follow` printed across the restart: each once.
    const printed = followed();
    assert.equal(printed.length, expected, `printed ${printed.length}, raised ${expected}`);
    assert.equal(new Set(printed.map(pidOf)).size, expected);
    assert.match(follow!.stderr(), /resuming after alert \d+/);

    const status = await viewStatus();
    assert.deepEqual(status.cluster_nodes.map((c) => [c.address, c.connected, c.node_names]).sort(), nodes.map((n) => [n.address, true, [n.name]]).sort());
    assert.equal(status.events_stored, '0', 'events stay on the nodes');
    const text = await scrapeMetrics(metricsPort);
    for (const n of nodes) assert.equal(metric(text, 'vigil_controlplane_cluster_node_connected', { address: n.address }), 1, `/metrics: ${n.address} connected`);
    assert.equal(metric(text, 'vigil_controlplane_cluster_node_alerts_total'), 3 * 4 + 3 * 2, '/metrics: the alerts taken since the cluster view restarted');
  });

  test('a node that stops answering without closing its connection is found out and followed again when it answers', async () => {
    const [n1] = nodes;
    n1.process!.child.kill('SIGSTOP');
    try {
      await waitUntil('n1 reported not connected', async () => (await viewStatus()).cluster_nodes.some((c) => c.address === n1.address && !c.connected), 90_000);
    } finally {
      n1.process!.child.kill('SIGCONT');
    }
    const before = followed().length;
    await n1.raise(1);
    await waitUntil('n1\'s alert after it answers again', () => followed().length === before + 1, 60_000);
    assert.equal(followed().at(-1)!.pid, n1.raised.at(-1));
  });

  test('vigil events --node n2 through the cluster view is answered by n2\'s store', async () => {
    const [, n2, n3] = nodes;
    const events = async (node: string) => {
      const r = await runVigil(['events', '--node', node, '--controlplane', viewSocket, '--token-file', path.join(viewDir, 'token'), '--json', '--limit', '1000']);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { node_name: string; event: { process: { pid: number } } });
    };
    const fromN2 = await events('n2');
    assert.equal(fromN2.length, n2.eventsSent.length);
    assert.ok(fromN2.every((e) => e.node_name === 'n2'));
    assert.deepEqual(fromN2.map((e) => e.event.process.pid).sort(), [...n2.eventsSent].sort());

    // A node name none of the nodes holds: the cluster view's own store (which has no events).
    assert.deepEqual(await events('nowhere'), []);

    // A node that is down: the error names it.
    await n3.kill();
    const r = await runVigil(['events', '--node', 'n3', '--controlplane', viewSocket, '--token-file', path.join(viewDir, 'token')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`events of node n3, held by its control plane at ${n3.address.replace(/\./g, '\\.')}`));
  });
});
