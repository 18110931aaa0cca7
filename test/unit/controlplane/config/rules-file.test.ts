import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRulesFile, watchedPathsOf } from '../../../../controlplane/src/config/rules-file';
import { DEFAULT_WATCHED_PATHS } from '../../../../proto/watched-paths';
import { RULES } from '../../../../controlplane/src/detections/rules';
import { KNOWN_LISTS, ruleCatalog } from '../../../../controlplane/src/detections/rule-set';

const parse = (text: string) => parseRulesFile(text, ruleCatalog(RULES), KNOWN_LISTS);
const problems = (text: string) => parse(text).problems.map((p) => `${p.line}:${p.col} ${p.message}`);

describe('rules file', () => {
  test('a complete file parses: switches, severities, exceptions, lists, feeds', () => {
    const p = parse(`
lists:
  web_servers: [myhttpd]
  our_operators: ["ghcr.io/acme/*"]
rules:
  shell-in-container:
    severity: low
    exceptions:
      - name: readiness probe of the shop
        namespace: shop
        container: web
        command: "/bin/sh -c /probe.sh*"
  crypto-mining:
    enabled: false
  api-server-access-from-container:
    exceptions:
      - name: our operators
        image: ["@our_operators", "quay.io/acme/op:*"]
        pod_labels: { app.kubernetes.io/part-of: acme }
  k8s-high-privileged-role:
    exceptions:
      - name: helm
        user: system:serviceaccount:ci:helm
intel:
  feeds:
    - path: /etc/vigil/intel/feodo.csv
      name: feodo
      format: feodo-csv
`);
    assert.deepEqual(p.problems, []);
    assert.equal(p.file!.rules['shell-in-container'].severity, 'low');
    assert.equal(p.file!.intel.feeds[0].format, 'feodo-csv');
    assert.deepEqual(parse('').problems, [], 'an empty file is every default');
  });

  test('every problem comes with its line and column', () => {
    assert.deepEqual(problems('rules:\n  shell-in-container:\n    severity: loud\n'), ['3:15 rules.shell-in-container.severity: must be one of info, low, medium, high, critical']);
    assert.deepEqual(problems('rules:\n  shell-in-containr:\n    enabled: false\n'), ['2:3 rules.shell-in-containr: no such rule (did you mean shell-in-container?)']);
    assert.deepEqual(problems('rules:\n  make-coffee: {}\n'), ['2:3 rules.make-coffee: no such rule; vigil rules list shows them']);
    assert.deepEqual(problems('rules:\n  reverse-shell:\n    exceptions:\n      - name: x\n        imge: foo\n'), ['5:9 rules.reverse-shell.exceptions.0: unknown key "imge"']);
    assert.deepEqual(problems('rules:\n  reverse-shell:\n    exceptions:\n      - name: only a name\n'), ['4:9 rules.reverse-shell.exceptions.0: an exception needs at least one field to compare besides its name']);
    assert.deepEqual(problems('rules:\n  k8s-pod-exec:\n    exceptions:\n      - name: x\n        process: /bin/sh\n'), ['5:18 rules.k8s-pod-exec.exceptions.0.process: k8s-pod-exec is a cluster rule; it sees no process (use image, namespace, container, pod_labels, user or object)']);
    assert.deepEqual(problems('rules:\n  reverse-shell:\n    exceptions:\n      - name: x\n        image: "@nope"\n'), ['5:16 rules.reverse-shell.exceptions.0.image: no list named "nope"']);
    assert.deepEqual(problems('intel:\n  feeds:\n    - name: x\n'), ['3:7 intel.feeds.0: missing "path"']);
    assert.deepEqual(problems('rules: [\n'), problems('rules: [\n'));
    assert.match(problems('rules: [\n')[0], /^\d+:\d+ /);
    assert.match(problems('rules:\n  a: 1\n  a: 2\n')[0], /^3:3 .*[Mm]ap keys must be unique/);
    assert.deepEqual(problems('colour: blue\n'), ['1:1 the file: unknown key "colour"']);
  });

  test('watched paths: added and removed, checked like the kernel table, with their line', () => {
    const p = parse('watched_paths:\n  add:\n    - { path: /srv/payroll/, category: payroll-secrets, access: [read] }\n  remove: [/etc/sudoers.d/]\n');
    assert.deepEqual(p.problems, []);
    const table = watchedPathsOf(p.file);
    assert.ok(table.some((w) => w.path === '/srv/payroll/' && w.category === 'payroll-secrets'));
    assert.ok(!table.some((w) => w.path === '/etc/sudoers.d/'));
    assert.equal(table.length, DEFAULT_WATCHED_PATHS.length);
    assert.deepEqual(problems('watched_paths:\n  remove: [/etc/passwd]\n'), ['2:12 watched_paths.remove.0: "/etc/passwd" is not one of the default watched paths (vigil rules list --watched shows them)']);
    assert.deepEqual(problems('watched_paths:\n  add:\n    - { path: srv/x, category: c }\n'), ['3:7 watched_paths.add.0 "srv/x": must be an absolute path (start with "/")']);
    assert.deepEqual(problems('watched_paths:\n  add:\n    - { path: /srv/../etc/, category: c }\n'), ['3:7 watched_paths.add.0 "/srv/../etc/": must be canonical: no "//", "." or ".." components (the kernel folds those before matching)']);
    assert.deepEqual(problems('watched_paths:\n  add:\n    - { path: /srv/x, category: c, access: [steal] }\n'), ['3:45 watched_paths.add.0.access.0: must be one of read, write, truncate, delete, replace, link']);
    // Every bad added path is reported, not the first only; a duplicate of a default is a problem of the whole table, reported once the entries are sound.
    assert.deepEqual(problems('watched_paths:\n  add:\n    - { path: srv/x, category: c }\n    - { path: /a/*/*/, category: c }\n    - { path: /b/../c, category: c }\n  remove: [/etc/passwd]\n'), [
      '6:12 watched_paths.remove.0: "/etc/passwd" is not one of the default watched paths (vigil rules list --watched shows them)',
      '3:7 watched_paths.add.0 "srv/x": must be an absolute path (start with "/")',
      '4:7 watched_paths.add.1 "/a/*/*/": at most one "*" component',
      '5:7 watched_paths.add.2 "/b/../c": must be canonical: no "//", "." or ".." components (the kernel folds those before matching)',
    ]);
    assert.deepEqual(problems('watched_paths:\n  add:\n    - { path: /etc/shadow, category: c }\n'), ['3:7 watched_paths.add.0 "/etc/shadow": is listed twice']);
    const many = Array.from({ length: 300 }, (_, i) => `    - { path: /srv/${i}, category: c }`).join('\n');
    assert.match(problems(`watched_paths:\n  add:\n${many}\n`)[0], /watched_paths: .*holds \d+ patterns; the kernel table takes at most 256/);
  });
});
