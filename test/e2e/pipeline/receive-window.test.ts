import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { RECEIVE_WINDOW_BYTES } from '../../../controlplane/src/server/listeners';
import { startTestControlPlane, type TestControlPlane } from '../../helpers/controlplane';

/** What the control plane grants a client that connects to its socket: the stream window it advertises and the connection window. */
async function grantedWindows(connect: () => net.Socket): Promise<{ stream: number | undefined; connection: number }> {
  const session = http2.connect('http://localhost', { createConnection: connect });
  try {
    await new Promise<void>((resolve, reject) => {
      session.once('remoteSettings', () => resolve());
      session.once('error', reject);
    });
    // The connection's WINDOW_UPDATE follows the SETTINGS: a ping's answer comes after it.
    await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
    return { stream: session.remoteSettings.initialWindowSize, connection: session.state.remoteWindowSize! };
  } finally {
    session.destroy();
  }
}

describe('the control plane lets a sensor send more than Node.js lets an HTTP/2 client by default', () => {
  let cp: TestControlPlane;
  before(async () => (cp = await startTestControlPlane({ listen: '127.0.0.1:0' })));
  after(() => cp.stop());
  const granted = { stream: RECEIVE_WINDOW_BYTES, connection: RECEIVE_WINDOW_BYTES };

  test('every connection to its socket gets the 8 MiB receive window, per stream and per connection, not 64 KiB', async () => {
    assert.equal(RECEIVE_WINDOW_BYTES, 8 * 1024 * 1024);
    // Twice: the window is set for each new connection, not once for the first.
    for (let i = 0; i < 2; i++) assert.deepEqual(await grantedWindows(() => net.connect(cp.socketPath)), granted);
  });

  test('so does every connection to its TCP port', async () => {
    assert.ok(cp.tcpPort);
    assert.deepEqual(await grantedWindows(() => net.connect(cp.tcpPort!, '127.0.0.1')), granted);
  });
});
