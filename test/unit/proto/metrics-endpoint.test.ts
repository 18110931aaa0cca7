import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { MetricsEndpoint, fetchFromSocket, type MetricsAddress } from '../../../proto/metrics-endpoint';
import { tempDir } from '../../helpers/temp-dir';

async function get(at: MetricsAddress, route: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; type: string | null }> {
  assert.ok('port' in at);
  const res = await fetch(`http://127.0.0.1:${at.port}${route}`, { headers, method });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

/** The value of one sample line of the exposition text, or undefined when it is not there. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics endpoint', () => {
  const endpoints: MetricsEndpoint[] = [];
  after(async () => {
    for (const e of endpoints) await e.close();
  });

  test('counters and gauges show the totals a part keeps, read at scrape time', async () => {
    const m = new MetricsEndpoint({ prefix: 'vigil_test_' });
    endpoints.push(m);
    const totals = { byType: new Map([['exec', 3]]), depth: 7 };
    m.counter('events_total', 'events', ['type'], () => [...totals.byType].map(([type, n]) => [{ type }, n] as const));
    m.gauge('depth', 'depth', [], () => totals.depth);
    const at = await m.listen({ host: '127.0.0.1', port: 0 });
    const first = await get(at, '/metrics');
    assert.equal(first.status, 200);
    assert.match(first.type ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(sample(first.body, 'vigil_test_events_total{type="exec"}'), 3);
    assert.equal(sample(first.body, 'vigil_test_depth'), 7);
    assert.match(first.body, /^# TYPE vigil_test_process_cpu_seconds_total counter$/m, 'process metrics carry the prefix, so two processes\' never collide');
    totals.byType.set('exec', 5).set('fork', 2);
    totals.depth = 0;
    const second = await get(at, '/metrics');
    assert.equal(sample(second.body, 'vigil_test_events_total{type="exec"}'), 5);
    assert.equal(sample(second.body, 'vigil_test_events_total{type="fork"}'), 2);
    assert.equal(sample(second.body, 'vigil_test_depth'), 0);
  });

  test('/healthz and /readyz: 200 ok, or 503 naming each failed check; readiness includes liveness; a throwing or hung check fails', async () => {
    const m = new MetricsEndpoint({ prefix: 'vigil_test_' });
    endpoints.push(m);
    let storeProblem: string | undefined;
    let upstream: string | undefined;
    m.addCheck('live', 'store-writer', () => storeProblem);
    m.addCheck('ready', 'upstream', async () => upstream);
    const at = await m.listen({ host: '127.0.0.1', port: 0 });
    assert.deepEqual(await get(at, '/healthz'), { status: 200, body: 'ok\n', type: 'text/plain; charset=utf-8' });
    assert.equal((await get(at, '/readyz')).body, 'ok\n');
    upstream = 'control plane unreachable';
    assert.deepEqual(await get(at, '/healthz'), { status: 200, body: 'ok\n', type: 'text/plain; charset=utf-8' }, 'readiness does not touch liveness');
    assert.deepEqual(await get(at, '/readyz'), { status: 503, body: 'upstream: control plane unreachable\n', type: 'text/plain; charset=utf-8' });
    storeProblem = 'the writer thread stopped';
    assert.equal((await get(at, '/healthz')).body, 'store-writer: the writer thread stopped\n');
    assert.equal((await get(at, '/readyz')).body, 'store-writer: the writer thread stopped\nupstream: control plane unreachable\n');
    m.addCheck('ready', 'broken', () => {
      throw new Error('probe exploded');
    });
    assert.match((await get(at, '/readyz')).body, /^broken: probe exploded$/m);
    assert.equal((await get(at, '/readyz', {}, 'HEAD')).status, 503);
  });

  test('a token guards /metrics only: health stays open for probes that carry none', async () => {
    const m = new MetricsEndpoint({ prefix: 'vigil_test_', token: 's3cret' });
    endpoints.push(m);
    const at = await m.listen({ host: '127.0.0.1', port: 0 });
    const none = await get(at, '/metrics');
    assert.equal(none.status, 401);
    assert.doesNotMatch(none.body, /vigil_test_/);
    assert.equal((await get(at, '/metrics', { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await get(at, '/metrics', { authorization: 's3cret' })).status, 401, 'only as a bearer token');
    const good = await get(at, '/metrics', { authorization: 'Bearer s3cret' });
    assert.equal(good.status, 200);
    assert.match(good.body, /vigil_test_process_cpu_seconds_total/);
    assert.equal((await get(at, '/healthz')).status, 200);
    assert.equal((await get(at, '/readyz')).status, 200);
    assert.equal((await get(at, '/nothing')).status, 404);
    assert.equal((await get(at, '/metrics', { authorization: 'Bearer s3cret' }, 'POST')).status, 405);
  });

  test('on a unix socket (0600), another process\'s text is served after this one\'s', async () => {
    const dir = tempDir();
    const inner = new MetricsEndpoint({ prefix: 'vigil_inner_' });
    const outer = new MetricsEndpoint({ prefix: 'vigil_outer_' });
    endpoints.push(inner, outer);
    inner.gauge('answer', 'answer', [], () => 42);
    const socket = path.join(dir, 'inner.sock');
    await inner.listen({ socket });
    assert.equal(fs.statSync(socket).mode & 0o777, 0o600);
    outer.addSource(() => fetchFromSocket(socket, '/metrics').then((r) => r.body));
    const at = await outer.listen({ host: '127.0.0.1', port: 0 });
    const text = (await get(at, '/metrics')).body;
    assert.equal(sample(text, 'vigil_inner_answer'), 42);
    assert.match(text, /vigil_outer_process_cpu_seconds_total/);
    await inner.close();
    await assert.rejects(fetchFromSocket(socket, '/metrics'), /ENOENT|ECONNREFUSED/);
    const notASocket = path.join(dir, 'notes.txt');
    fs.writeFileSync(notASocket, 'keep me');
    await assert.rejects(new MetricsEndpoint({ prefix: 'vigil_x_' }).listen({ socket: notASocket }), { code: 'INVALID_ARGUMENT', message: /notes\.txt exists and is not a socket/ });
    assert.equal(fs.readFileSync(notASocket, 'utf8'), 'keep me', 'a file at the path is never deleted');
  });
});
