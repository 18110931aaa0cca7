import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { after, before, describe, test } from 'node:test';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';
import { TestSensorStream, subscribeAlerts } from '../../helpers/grpc-clients';
import { CONTAINER_ID, execEvent, shellInContainer } from '../../helpers/synthetic-events';
import { waitUntil } from '../../helpers/eventually';


describe('alert stream', { timeout: 60_000 }, () => {
  let cp: TestControlPlane;
  let sensor: TestSensorStream;
  let seq = 0n;
  let pid = 10_000;
  // Distinct parents keep alerts from merging into one.
  const raise = (n: number) => sensor.send('node-1', ++seq, Array.from({ length: n }, () => shellInContainer(++pid, pid + 50_000)));

  before(async () => {
    cp = await startTestControlPlane({ maxSubscriberBuffer: 20 });
    sensor = new TestSensorStream(cp.target, cp.token);
    await sensor.hello('node-1');
  });
  after(async () => {
    sensor.close();
    await cp.stop();
  });

  test('a shell in a container raises an alert with its evidence', async () => {
    const sub = subscribeAlerts(cp.target, cp.token, { after_id: '0' });
    await raise(1);
    const [a] = await sub.waitFor(1);
    sub.close();
    assert.equal(a.rule_id, 'shell-in-container');
    assert.equal(a.severity, 'SEVERITY_MEDIUM');
    assert.equal(a.mitre?.id, 'T1059.004');
    assert.equal(a.container_id, CONTAINER_ID);
    assert.equal(a.node_name, 'node-1');
    assert.equal(a.evidence?.event?.exec?.filename, '/bin/sh');
    assert.equal(a.evidence?.container?.id, CONTAINER_ID);
    assert.match(a.summary, /shell \/bin\/sh started in container c0ffee000000 by the container runtime \(exec into the container\): sh -c id; echo step-[g-p]+/);
  });

  test('a client that reconnects with after_id gets exactly the alerts it missed, then live ones', async () => {
    const first = subscribeAlerts(cp.target, cp.token, { after_id: '0' });
    await raise(3);
    const seen = await first.waitFor(4);
    const lastSeen = seen[seen.length - 1].id;
    first.close();

    await raise(3); // while disconnected
    const missedIds = cp.query<{ id: number }>('SELECT id FROM alerts WHERE id > ? ORDER BY id', Number(lastSeen)).map((r) => String(r.id));
    assert.equal(missedIds.length, 3);

    const resumed = subscribeAlerts(cp.target, cp.token, { after_id: lastSeen });
    await resumed.waitFor(3);
    await raise(1); // live
    const got = await resumed.waitFor(4);
    await new Promise((r) => setTimeout(r, 100));
    resumed.close();
    const liveId = cp.query<{ id: number }>('SELECT max(id) AS id FROM alerts')[0].id;
    assert.deepEqual(got.map((a) => a.id), [...missedIds, String(liveId)], 'the missed ones in order, then the live one, nothing twice');
  });

  test('filters apply to backfill and live alike', async () => {
    const high = subscribeAlerts(cp.target, cp.token, { after_id: '0', filter: { min_severity: 'SEVERITY_HIGH' } });
    const other = subscribeAlerts(cp.target, cp.token, { after_id: '0', filter: { node_name: 'another-node' } });
    await sensor.send('node-1', ++seq, [execEvent({ pid: ++pid, ppid: 1, filename: '/bin/bash', argv: ['bash'], containerId: CONTAINER_ID, tty: true })]);
    const got = await high.waitFor(1);
    assert.ok(got.every((a) => a.severity === 'SEVERITY_HIGH' || a.severity === 'SEVERITY_CRITICAL'));
    assert.equal(got[0].rule_id, 'terminal-shell-in-container');
    assert.equal(got[0].mitre?.id, 'T1609');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(other.alerts.length, 0);
    high.close();
    other.close();
  });

  test('repeats within the window merge into one alert with a count', async () => {
    const before = cp.query<{ n: number }>('SELECT count(*) AS n FROM alerts')[0].n;
    // The same command each time (an exec probe's shell), from new processes.
    const same = () => ({ ...shellInContainer(++pid, 4242), exec: { ...shellInContainer(pid, 4242).exec!, argv: ['sh', '-c', 'check'] } });
    await sensor.send('node-1', ++seq, [same(), same(), same()]);
    await sensor.send('node-1', ++seq, [same()]);
    const rows = cp.query<{ count: number }>('SELECT count FROM alerts WHERE id > (SELECT max(id) - 1 FROM alerts)');
    assert.equal(cp.query<{ n: number }>('SELECT count(*) AS n FROM alerts')[0].n, before + 1);
    assert.equal(rows[0].count, 4);
  });

  test('an unknown severity in the filter is refused', async () => {
    // Names are checked by the client's serializer; a number it passes on.
    const bad = subscribeAlerts(cp.target, cp.token, { after_id: '0', filter: { min_severity: 42 as never } });
    await waitUntil('the refusal', () => bad.error() !== undefined);
    assert.equal(bad.error()?.code, grpc.status.INVALID_ARGUMENT);
    bad.close();
  });

  test('a subscriber that stops reading is cut off with RESOURCE_EXHAUSTED; ingest goes on', async () => {
    const slow = subscribeAlerts(cp.target, cp.token, { after_id: '0' });
    slow.call.pause();
    const started = Date.now();
    for (let i = 0; i < 10; i++) await raise(50);
    assert.ok(Date.now() - started < 10_000, 'ingest did not wait for the slow subscriber');
    slow.call.resume();
    await waitUntil('the slow subscriber cut off', () => slow.error() !== undefined);
    assert.equal(slow.error()?.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(slow.error()!.details, /resubscribe with after_id=\d+/);
    slow.close();
  });
});
