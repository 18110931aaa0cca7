/**
 * The rules file as users work with it: `vigil rules list` and `check`, a
 * bad file refusing the start, and a running control plane taking a new
 * file on change or SIGHUP, keeping its rules when the new file is bad.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { TestSensorStream } from '../../helpers/grpc-clients';
import { CONTAINER_ID, execEvent } from '../../helpers/synthetic-events';
import { chain } from '../../helpers/rule-context';
import { tempDir } from '../../helpers/temp-dir';
import { runVigil, startVigil } from '../../helpers/vigil-cli';

const GOOD = `
lists:
  web_servers: [myhttpd]
rules:
  shell-in-container:
    severity: critical
    exceptions:
      - name: the shop's readiness probe
        command: "/bin/sh -c /probe.sh*"
  crypto-mining:
    enabled: false
`;

/** A shell run into a container by the runtime, with this command line. */
const runtimeShell = (pid: number, command: string) => execEvent({ pid, nsPid: 40, filename: '/bin/sh', argv: ['/bin/sh', '-c', command], containerId: CONTAINER_ID, ancestry: chain() });

function alertsIn(dataDir: string): { rule_id: string; severity: number; body: string }[] {
  const db = new Database(path.join(dataDir, 'vigil.db'), { readonly: true });
  try {
    return db.prepare('SELECT rule_id, severity, body FROM alerts ORDER BY id').all() as { rule_id: string; severity: number; body: string }[];
  } finally {
    db.close();
  }
}

describe('vigil rules', { timeout: 60_000 }, () => {
  test('list shows every rule with its severity and technique; with --rules, as the file sets it', async () => {
    const all = await runVigil(['rules', 'list']);
    assert.equal(all.code, 0);
    assert.match(all.stdout, /^web-shell-activity\s+node\s+critical\s+yes\s+T1505\.003 Server Software Component: Web Shell/m);
    assert.match(all.stdout, /^k8s-cluster-admin-binding\s+cluster\s+high\s+yes\s+T1098\.006/m);
    const file = path.join(tempDir('vigil-rules-'), 'rules.yaml');
    fs.writeFileSync(file, GOOD);
    const json = await runVigil(['rules', 'list', '--json', '--rules', file]);
    const rows = json.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.deepEqual(rows.find((r) => r.id === 'shell-in-container'), { id: 'shell-in-container', kind: 'node', severity: 'critical', enabled: true, exceptions: 1, mitre: 'T1059.004 Command and Scripting Interpreter: Unix Shell', title: 'Shell spawned in a container' });
    assert.equal(rows.find((r) => r.id === 'crypto-mining').enabled, false);
    const watched = await runVigil(['rules', 'list', '--watched']);
    assert.match(watched.stdout, /^\/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/\s+service-account-token\s+all$/m);
    assert.match(watched.stdout, /^\/root\/\.bash_history\s+shell-history\s+truncate,delete,replace$/m);
    // The README's default table: pods' cloud identity tokens and registry logins too.
    assert.match(watched.stdout, /^\/var\/run\/secrets\/eks\.amazonaws\.com\/serviceaccount\/\s+cloud-credentials\s+all$/m);
    assert.match(watched.stdout, /^\/var\/run\/secrets\/azure\/tokens\/\s+cloud-credentials\s+all$/m);
    assert.match(watched.stdout, /^\/home\/\*\/\.docker\/config\.json\s+registry-credentials\s+all$/m);
    fs.writeFileSync(file, 'watched_paths:\n  add:\n    - { path: /srv/payroll/, category: payroll-secrets, access: [read] }\n  remove: [/etc/shadow]\n');
    const edited = (await runVigil(['rules', 'list', '--watched', '--json', '--rules', file])).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.deepEqual(edited.find((w) => w.path === '/srv/payroll/'), { path: '/srv/payroll/', category: 'payroll-secrets', access: ['read'] });
    assert.equal(edited.find((w) => w.path === '/etc/shadow'), undefined);
  });

  test('check: ok with a summary, or every problem with its line, exit status 1', async () => {
    const dir = tempDir('vigil-rules-');
    const good = path.join(dir, 'good.yaml');
    fs.writeFileSync(good, GOOD);
    const ok = await runVigil(['rules', 'check', good]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /good\.yaml: ok: \d+ rules on \(off: crypto-mining\), 1 exception, 1 list extended, 0 feeds, \d+ watched paths/);
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'rules:\n  shell-in-containr:\n    severity: loud\n  reverse-shell:\n    exceptions:\n      - name: x\n        imge: y\n');
    const r = await runVigil(['rules', 'check', bad]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, `${bad}:3:15: rules.shell-in-containr.severity: must be one of info, low, medium, high, critical\n${bad}:7:9: rules.reverse-shell.exceptions.0: unknown key "imge"\n${bad}: 2 problems\n`);
  });

  test('a bad rules file stops vigil controlplane at start with exit 2, naming each problem', async () => {
    const dir = tempDir('vigil-rules-');
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'rules:\n  shell-in-container:\n    severity: loud\n');
    const r = await runVigil(['controlplane', '--data-dir', path.join(dir, 'data'), '--rules', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^vigil: rules file .*bad\.yaml has 1 problem:\n.*bad\.yaml:3:15: rules\.shell-in-container\.severity: must be one of info, low, medium, high, critical\n$/);
    assert.equal(fs.existsSync(path.join(dir, 'data', 'vigil.db')), false, 'nothing was started');
  });

  test('a running control plane takes a changed file, and keeps its rules when the new file is bad (SIGHUP too)', async () => {
    const dir = tempDir('vigil-rules-');
    const dataDir = path.join(dir, 'data');
    const file = path.join(dir, 'rules.yaml');
    fs.writeFileSync(file, GOOD);
    const cp = startVigil(['controlplane', '--data-dir', dataDir, '--rules', file]);
    try {
      await cp.waitFor(/listening on/);
      const sensor = new TestSensorStream(`unix://${path.join(dataDir, 'vigil.sock')}`, fs.readFileSync(path.join(dataDir, 'token'), 'utf8').trim());
      let seq = await sensor.hello('node-r');
      await sensor.send('node-r', ++seq, [runtimeShell(100, '/probe.sh --ready'), runtimeShell(101, 'id')]);
      assert.deepEqual(alertsIn(dataDir).map((a) => [a.rule_id, a.severity]), [['shell-in-container', 5]], 'the probe is excepted; critical as the file says');

      fs.writeFileSync(file, GOOD.replace('severity: critical', 'severity: low'));
      await cp.waitFor(/rules file .* reloaded/, 10_000);
      await sensor.send('node-r', ++seq, [runtimeShell(102, 'whoami')]);
      assert.equal(alertsIn(dataDir).at(-1)?.severity, 2, 'the changed file is in force');

      fs.writeFileSync(file, 'rules:\n  shell-in-container:\n    severity: [\n');
      cp.child.kill('SIGHUP');
      await cp.waitFor(/not reloaded, the rules in force stay:\n.*rules\.yaml:\d+:\d+/, 10_000);
      await sensor.send('node-r', ++seq, [runtimeShell(103, 'uname -a')]);
      assert.equal(alertsIn(dataDir).at(-1)?.severity, 2, 'a bad file changes nothing');
      assert.equal(cp.child.exitCode, null, 'SIGHUP reloads, it does not stop');
      sensor.close();
    } finally {
      cp.child.kill('SIGTERM');
      await cp.exited;
    }
  });
});
