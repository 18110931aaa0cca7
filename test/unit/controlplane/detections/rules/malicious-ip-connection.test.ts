import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maliciousIpConnection } from '../../../../../controlplane/src/detections/rules/malicious-ip-connection';
import { ThreatIntel } from '../../../../../controlplane/src/intel/threat-intel';
import { CONTAINER_ID, connectEvent } from '../../../../helpers/synthetic-events';
import { ruleContext } from '../../../../helpers/rule-context';
import { tempDir } from '../../../../helpers/temp-dir';
import * as fs from 'node:fs';
import * as path from 'node:path';

function intelWith(feeds: Record<string, string>): ThreatIntel {
  const dir = tempDir('vigil-intel-');
  for (const [name, text] of Object.entries(feeds)) fs.writeFileSync(path.join(dir, name), text);
  const intel = new ThreatIntel([dir], () => undefined);
  intel.refresh();
  return intel;
}

const intel = intelWith({
  'spamhaus-drop.txt': '; Spamhaus DROP List\n45.155.204.0/23 ; SBL582104\n10.0.0.0/8 ; bogus private entry\n',
  'feodo.csv': '# "first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n"2024-05-02 10:11:12","51.38.124.206","443","online","2024-06-20","QakBot"\n',
  'v6.txt': '2a0e:b107:1a00::/40\n',
});
const ctx = ruleContext({ intel });

describe('rule malicious-ip-connection', () => {
  test('should trigger: CIDR containment, exact IP, IPv6, IPv4-mapped IPv6, host and container, refused attempts', () => {
    for (const ev of [
      connectEvent('45.155.205.233', 443, { containerId: CONTAINER_ID }),
      connectEvent('51.38.124.206', 443),
      connectEvent('2a0e:b107:1a80::5', 80),
      connectEvent('::ffff:45.155.204.1', 8080, { containerId: CONTAINER_ID }),
      connectEvent('51.38.124.206', 443, { result: -111 }),
    ]) {
      const f = maliciousIpConnection.match(ev, ctx);
      assert.ok(f, ev.connect!.destination!.address);
    }
    const f = maliciousIpConnection.match(connectEvent('45.155.205.233', 443), ctx)!;
    assert.equal(f.fields?.feed, 'spamhaus-drop.txt');
    assert.equal(f.fields?.entry, '45.155.204.0/23');
    assert.equal(f.fields?.label, 'SBL582104');
    assert.match(f.summary, /listed by spamhaus-drop\.txt as 45\.155\.204\.0\/23/);
    assert.equal(maliciousIpConnection.match(connectEvent('51.38.124.206', 443), ctx)!.fields?.label, 'QakBot, port 443');
  });

  test('should not trigger: unlisted addresses, a private address the feed listed, unix sockets', () => {
    for (const ev of [connectEvent('45.155.206.1', 443), connectEvent('10.1.2.3', 443, { containerId: CONTAINER_ID }), connectEvent('2a0e:b108::1', 443)])
      assert.equal(maliciousIpConnection.match(ev, ctx), null, ev.connect!.destination!.address);
    const unix = connectEvent('/run/x.sock', 0);
    unix.connect!.destination!.family = 'FAMILY_UNIX';
    assert.equal(maliciousIpConnection.match(unix, ctx), null);
  });
});

describe('rule malicious-ip-connection: review finding 16', () => {
  test('should trigger: an IPv6 address carrying a listed IPv4 one (mapped in hex, NAT64, 6to4)', () => {
    for (const a of ['::ffff:2d9b:cce9', '0:0:0:0:0:ffff:2d9b:cce9', '64:ff9b::2d9b:cce9', '64:ff9b::45.155.204.233', '2002:2d9b:cce9::1']) {
      const f = maliciousIpConnection.match(connectEvent(a, 443, { containerId: CONTAINER_ID }), ctx);
      assert.equal(f?.fields?.entry, '45.155.204.0/23', a);
      assert.equal(f?.fields?.destination, '45.155.204.233:443', a);
    }
  });
});
