import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { EventRecorder } from '../../helpers/event-recorder';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { run } from '../../helpers/processes';

const ECONNREFUSED = 111;

function listen(host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((s) => s.destroy()).listen(0, host, () => resolve(server));
    server.on('error', reject);
  });
}

function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

/**
 * A blocking connect(2) from another process (bash /dev/tcp): the result is final, not EINPROGRESS.
 * Name resolution may connect first to a unix socket (nscd, resolved), so tests match on the family too.
 */
function bashConnect(host: string, port: number) {
  return run('/bin/bash', ['-c', `exec 3<>/dev/tcp/${host}/${port}`]);
}

describe('connect events from the kernel', kernelTestOptions(), () => {
  let rec: EventRecorder;
  let v4: net.Server;
  let v6: net.Server;
  before(async () => {
    rec = new EventRecorder({ types: ['connect'] });
    v4 = await listen('127.0.0.1');
    v6 = await listen('::1');
  });
  after(async () => {
    v4.close();
    v6.close();
    await rec.stop();
  });

  test('to a listening 127.0.0.1 port: destination and result 0', async () => {
    const child = await bashConnect('127.0.0.1', portOf(v4));
    assert.equal(child.code, 0, child.stderr);
    const ev = await rec.waitFor('connect', (e) => e.body === 'connect' && e.process?.pid === child.pid && e.connect?.destination?.family === 'FAMILY_INET');
    assert.equal(ev.connect?.result, 0);
    assert.equal(ev.connect?.destination?.family, 'FAMILY_INET');
    assert.equal(ev.connect?.destination?.address, '127.0.0.1');
    assert.equal(ev.connect?.destination?.port, portOf(v4));
    assert.ok((ev.connect?.fd ?? -1) >= 0);
    assert.equal(ev.process?.comm, 'bash');
  });

  test('to a closed port: result is -ECONNREFUSED', async () => {
    const closed = await listen('127.0.0.1');
    const port = portOf(closed);
    await new Promise((r) => closed.close(r));
    const child = await bashConnect('127.0.0.1', port);
    assert.notEqual(child.code, 0);
    const ev = await rec.waitFor('connect', (e) => e.body === 'connect' && e.process?.pid === child.pid && e.connect?.destination?.family === 'FAMILY_INET');
    assert.equal(ev.connect?.result, -ECONNREFUSED);
    assert.equal(ev.connect?.destination?.port, port);
  });

  test('to ::1: an IPv6 destination', async () => {
    const child = await bashConnect('::1', portOf(v6));
    assert.equal(child.code, 0, child.stderr);
    const ev = await rec.waitFor('connect', (e) => e.body === 'connect' && e.process?.pid === child.pid && e.connect?.destination?.family === 'FAMILY_INET6');
    assert.equal(ev.connect?.result, 0);
    assert.equal(ev.connect?.destination?.address, '::1');
    assert.equal(ev.connect?.destination?.port, portOf(v6));
  });

  test('to a unix socket: the path', async () => {
    // A missing path fails at once, even for Node's non-blocking connect.
    const c = await run(process.execPath, ['-e', 'require("net").connect("/run/vigil-test-no-such.sock").on("error", () => {})']);
    const ev = await rec.waitFor('connect', (e) => e.body === 'connect' && e.process?.pid === c.pid && e.connect?.destination?.family === 'FAMILY_UNIX');
    assert.equal(ev.connect?.destination?.address, '/run/vigil-test-no-such.sock');
    assert.equal(ev.connect?.result, -2, 'ENOENT');
  });

  test('the sensor\'s own connects are filtered in the kernel', async () => {
    const unfiltered = new EventRecorder({ types: ['connect'], filterSelf: false });
    try {
      const port = portOf(v4);
      await new Promise<void>((resolve) => net.connect(port, '127.0.0.1', resolve).on('close', () => undefined).end());
      await unfiltered.waitFor('own connect (unfiltered sensor)', (e) => e.process?.pid === process.pid && e.connect?.destination?.port === port);
      await rec.settle();
      assert.equal(rec.events.filter((e) => e.process?.pid === process.pid).length, 0, 'the filtering sensor reported its own process');
    } finally {
      await unfiltered.stop();
    }
  });

  test('every record decoded', () => assert.deepEqual(rec.errors, []));
});
