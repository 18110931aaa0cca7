import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { eventCodec } from '../../../proto/loader';
import { kernelTestOptions } from '../../helpers/kernel-gate';
import { run, uniqueToken } from '../../helpers/processes';
import { tempDir } from '../../helpers/temp-dir';
import { startVigil } from '../../helpers/vigil-cli';

const EXECS = 300;
const COUNTER_MASK = (1n << 23n) - 1n;

describe('control plane killed under load', kernelTestOptions(), () => {
  test('every event generated while it was down is stored exactly once, with no seq missing', async () => {
    const dataDir = tempDir('vigil-kill-');
    let cp = startVigil(['controlplane', '--data-dir', dataDir]);
    await cp.waitFor(/listening on/);
    const sensor = startVigil(['sensor', '--data-dir', dataDir, '--node-name', 'kill-node']);
    await sensor.waitFor(/streaming/);
    await new Promise((r) => setTimeout(r, 500));

    const token = uniqueToken('vigil-kill');
    // ~3 s of steady exec load; the control plane dies 1 s in and is down for 1 s.
    const load = run('/bin/sh', ['-c', `i=0; while [ $i -lt ${EXECS} ]; do /bin/true ${token}-$i; i=$((i+1)); sleep 0.01; done`]);
    await new Promise((r) => setTimeout(r, 1000));
    cp.child.kill('SIGKILL');
    await cp.exited;
    await new Promise((r) => setTimeout(r, 1000));
    cp = startVigil(['controlplane', '--data-dir', dataDir]);
    await cp.waitFor(/listening on/);
    assert.equal((await load).code, 0);

    const db = () => new Database(path.join(dataDir, 'vigil.db'), { readonly: true });
    const deadline = Date.now() + 20_000;
    let argvs: string[] = [];
    while (Date.now() < deadline) {
      const d = db();
      const bodies = d.prepare('SELECT body FROM events WHERE type = 1 AND instr(body, CAST(? AS BLOB)) > 0').pluck().all(`${token}-`) as Buffer[];
      argvs = bodies.map((b) => eventCodec().decode(b).exec!).filter((x) => x.filename === '/bin/true').map((x) => x.argv[1]);
      d.close();
      if (argvs.length >= EXECS) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    sensor.child.kill('SIGINT');
    await sensor.exited;
    cp.child.kill('SIGINT');
    await cp.exited;

    const counts = new Map<string, number>();
    for (const a of argvs) counts.set(a, (counts.get(a) ?? 0) + 1);
    const missing = Array.from({ length: EXECS }, (_, i) => `${token}-${i}`).filter((t) => !counts.has(t));
    const twice = [...counts].filter(([, n]) => n > 1).map(([t]) => t);
    assert.deepEqual(missing, [], 'events lost across the kill');
    assert.deepEqual(twice, [], 'events stored twice across the kill');

    const d = db();
    d.defaultSafeIntegers(true);
    const seqs = (d.prepare("SELECT seq FROM batches b JOIN nodes n ON n.id = b.node_id WHERE n.name = 'kill-node' ORDER BY seq").all() as { seq: bigint }[]).map((r) => r.seq);
    const gaps = d.prepare('SELECT count(*) AS n FROM gaps').get() as { n: bigint };
    d.close();
    assert.equal(gaps.n, 0n, 'no gap was recorded');
    // One sensor run, one epoch: its batch counters must be contiguous.
    for (let i = 1; i < seqs.length; i++) {
      if (seqs[i] >> 23n !== seqs[i - 1] >> 23n) continue;
      assert.equal((seqs[i] & COUNTER_MASK) - (seqs[i - 1] & COUNTER_MASK), 1n, `seq ${seqs[i - 1]} is followed by ${seqs[i]}: batches missing`);
    }
    assert.match(sensor.stderr(), /retrying/, 'the sensor noticed the control plane was gone');
  });
});
