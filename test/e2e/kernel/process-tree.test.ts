import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ProcessTree } from '../../../sensor/src/process-tree';
import { EventRecorder } from '../../helpers/event-recorder';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { run, uniqueToken } from '../../helpers/processes';

/** How many ancestors this test process has, from /proc. */
function depthOfSelf(): number {
  let depth = 0;
  for (let pid = process.pid; pid > 1; depth++) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return depth;
}

describe('process tree and ancestry', kernelTestOptions(), () => {
  let rec: EventRecorder;
  const tree = new ProcessTree();
  before(() => {
    rec = new EventRecorder({ types: ['exec', 'fork', 'exit', 'connect'] });
    tree.bootstrap();
    rec.sensor.onBatch((b) => {
      for (const ev of b.events) tree.apply(ev, Date.now());
    });
  });
  after(() => rec.stop());

  test('an exec carries its ancestry, nearest first, reaching processes older than the sensor', async () => {
    const token = uniqueToken();
    // The trailing ':' keeps each shell from exec-ing its last command in place.
    await run('/bin/sh', ['-c', `/bin/sh -c "/bin/true ${token}; :"; :`]);
    const ev = await rec.waitFor('exec', (e) => e.exec?.filename === '/bin/true' && e.exec.argv.includes(token));
    const chain = ev.ancestry;
    assert.equal(chain[0].exe, '/bin/sh');
    assert.deepEqual(chain[0].argv, ['/bin/sh', '-c', `/bin/true ${token}; :`]);
    assert.equal(chain[1].exe, '/bin/sh');
    assert.deepEqual(chain[1].argv.slice(0, 2), ['/bin/sh', '-c']);
    assert.equal(chain[2].pid, process.pid, 'the test process, known from /proc before the sensor started');
    assert.equal(chain[2].exe, fs.readlinkSync('/proc/self/exe'));
    assert.ok(chain.length >= Math.min(5, 2 + depthOfSelf()), `ancestry of ${chain.length} levels: ${JSON.stringify(chain.map((p) => p.pid))}`);
    assert.equal(ev.process?.exe, '/bin/true');
  });

  test('connect events carry their process\'s executable and arguments', async () => {
    const server = net.createServer((s) => s.destroy()).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    const child = await run('/bin/bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
    server.close();
    const ev = await rec.waitFor('connect', (e) => e.body === 'connect' && e.process?.pid === child.pid);
    assert.equal(ev.process?.exe, '/bin/bash');
    assert.deepEqual(ev.process?.argv, ['/bin/bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
  });
});
