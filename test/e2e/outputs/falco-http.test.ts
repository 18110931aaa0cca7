import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { startTestControlPlane } from '../../helpers/controlplane';
import { TestSensorStream } from '../../helpers/grpc-clients';
import { distinctShellInContainer } from '../../helpers/synthetic-events';
import { tempDir } from '../../helpers/temp-dir';
import { waitUntil } from '../../helpers/eventually';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown> & { output_fields: Record<string, unknown> };
  status: number;
}

/** A stand-in for falcosidekick: records every request, answers 500 to the first `failFirst`. */
async function startReceiver(failFirst: number) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      const status = received.length < failFirst ? 500 : 200;
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: JSON.parse(text), status });
      res.writeHead(status).end(status === 500 ? 'sidekick is restarting' : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { received, port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(r)) };
}


describe('Falco-compatible HTTP output', { timeout: 90_000 }, () => {
  test('alerts reach a falcosidekick-style endpoint as Falco JSON, once each, in order, retried after a failure; the severity floor holds across a reload', async () => {
    const sidekick = await startReceiver(1);
    const dir = tempDir('vigil-falco-');
    const rules = path.join(dir, 'rules.yaml');
    const secret = path.join(dir, 'sidekick.token');
    fs.writeFileSync(secret, 'Bearer s3cret\n');
    const outputs = `outputs:\n  falco_http:\n    url: http://127.0.0.1:${sidekick.port}/\n    min_severity: medium\n    auth_header: Authorization\n    auth_value_file: ${secret}\n`;
    fs.writeFileSync(rules, outputs);
    const cp = await startTestControlPlane({ rulesFile: rules });
    const sensor = new TestSensorStream(cp.target, cp.token);
    try {
      await sensor.hello('node-f');
      await sensor.send('node-f', 1n, [distinctShellInContainer(1), distinctShellInContainer(2), distinctShellInContainer(3)]);
      // The counters move once the answers are back, after the receiver has recorded the requests.
      await waitUntil('three alerts acknowledged', () => cp.outputStats().find((s) => s.output === 'falco_http')!.alertsSent === 3);

      const [failed, ...accepted] = sidekick.received;
      assert.equal(failed.status, 500);
      assert.equal(failed.body.output_fields['vigil.alert_id'], '1');
      assert.deepEqual(accepted.map((r) => r.body.output_fields['vigil.alert_id']), ['1', '2', '3'], 'each alert once, in order, the failed one again first');
      const stats = cp.outputStats().find((s) => s.output === 'falco_http')!;
      assert.equal(stats.failures, 1);
      assert.match(stats.lastError ?? '', new RegExp(`falco_http output \\(http://127\\.0\\.0\\.1:${sidekick.port}/\\): POST alert 1: HTTP 500: sidekick is restarting`));

      const r = accepted[0];
      assert.equal(r.method, 'POST');
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.headers.authorization, 'Bearer s3cret');
      const b = r.body;
      assert.equal(b.priority, 'Warning', 'a medium alert is a Falco Warning');
      assert.equal(b.rule, 'Shell spawned in a container');
      assert.equal(b.source, 'syscall');
      assert.equal(b.hostname, 'node-f');
      assert.match(b.time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      assert.deepEqual(b.tags, ['vigil', 'T1059.004', 'mitre_execution']);
      assert.match(b.output as string, /^\d\d:\d\d:\d\d\.\d{9}: Warning shell \/bin\/sh started in container c0ffee000000/);
      const f = b.output_fields;
      assert.equal(f['container.id'], 'c0ffee000000');
      assert.equal(f['proc.exepath'], '/bin/sh');
      assert.equal(f['proc.cmdline'], 'sh -c id; echo r');
      assert.equal(f['vigil.rule_id'], 'shell-in-container');
      assert.equal(f['vigil.node'], 'node-f');
      assert.equal(f['evt.time'], (b.time as string).slice(11, -1));

      // Reloaded with the rule turned down to low: the same output stays, and the floor now filters it.
      fs.writeFileSync(rules, `rules:\n  shell-in-container:\n    severity: low\n${outputs}`);
      cp.reload();
      await sensor.send('node-f', 2n, [distinctShellInContainer(4), distinctShellInContainer(5)]);
      await waitUntil('two alerts passed over', () => cp.outputStats().find((s) => s.output === 'falco_http')!.alertsFiltered === 2);
      assert.equal(sidekick.received.length, 4, 'nothing below medium was posted');
      assert.equal(cp.outputStats().find((s) => s.output === 'falco_http')!.alertsLag, 0);
    } finally {
      sensor.close();
      await cp.stop();
      await sidekick.close();
    }
  });
});
