import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { IpPrefixTable } from '../../../../controlplane/src/intel/ip-prefix-table';
import { ThreatIntel } from '../../../../controlplane/src/intel/threat-intel';
import { parseFeed } from '../../../../controlplane/src/intel/feed-parser';
import { fixturePath } from '../../../helpers/fixture-path';
import { tempDir } from '../../../helpers/temp-dir';

describe('IpPrefixTable', () => {
  test('longest prefix wins; IPv4, IPv6 and IPv4-mapped IPv6; misses miss', () => {
    const t = new IpPrefixTable<string>();
    for (const e of parseFeed('45.0.0.0/8\n45.155.204.0/23\n45.155.205.233\n2a0e:b107::/32\n2a0e:b107:1a00::/40\n').entries) t.add(e.address, e.prefix, e.text);
    assert.deepEqual(t.lookup('45.155.205.233')?.values, ['45.155.205.233']);
    assert.deepEqual(t.lookup('45.155.205.1')?.values, ['45.155.204.0/23']);
    assert.deepEqual(t.lookup('45.1.2.3')?.values, ['45.0.0.0/8']);
    assert.deepEqual(t.lookup('::ffff:45.155.205.1')?.values, ['45.155.204.0/23']);
    assert.deepEqual(t.lookup('2a0e:b107:1a12::9')?.values, ['2a0e:b107:1a00::/40']);
    assert.deepEqual(t.lookup('2a0e:b107:ff00::1')?.values, ['2a0e:b107::/32']);
    assert.equal(t.lookup('46.0.0.1'), undefined);
    assert.equal(t.lookup('2a0f::1'), undefined);
    assert.equal(t.lookup('not an address'), undefined);
  });

  test('stays exact at 100,000 entries', () => {
    const t = new IpPrefixTable<number>();
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(`${20 + (i % 70)}.${(i >> 8) & 255}.${i & 255}.0/24`);
    for (const [i, e] of parseFeed(lines.join('\n')).entries.entries()) t.add(e.address, e.prefix, i);
    assert.equal(t.size, 100_000);
    assert.ok(t.lookup('20.0.0.77'));
    assert.equal(t.lookup('200.0.0.1'), undefined);
  });
});

describe('ThreatIntel', () => {
  test('loads every format from the intel directory and names the feed and entry of a match', () => {
    const dir = tempDir('vigil-intel-');
    for (const f of ['feodo-ipblocklist.csv', 'spamhaus-drop.txt', 'tor-bulk-exit-list.txt', 'README.md']) fs.copyFileSync(fixturePath('intel', f), path.join(dir, f));
    const lines: string[] = [];
    const intel = new ThreatIntel([dir], (l) => lines.push(l));
    intel.refresh();
    assert.deepEqual(intel.lookup('51.38.124.206'), { feed: 'feodo-ipblocklist.csv', entry: '51.38.124.206', label: 'QakBot, port 443', feeds: ['feodo-ipblocklist.csv'] });
    assert.equal(intel.lookup('2a0b:f4c2:2::31')?.feed, 'tor-bulk-exit-list.txt');
    assert.equal(lines.filter((l) => /spamhaus-drop\.txt: skipped 1 entries/.test(l)).length, 1, 'one warning per feed for its reserved ranges');
  });

  test('reloads a changed feed; a broken or emptied one keeps its previous entries and says so once', () => {
    const dir = tempDir('vigil-intel-');
    const feed = path.join(dir, 'c2.txt');
    fs.writeFileSync(feed, '45.155.204.0/23\n');
    const lines: string[] = [];
    const intel = new ThreatIntel([dir], (l) => lines.push(l));
    intel.refresh();
    assert.ok(intel.lookup('45.155.205.1'));
    fs.writeFileSync(feed, '45.9.148.0/24\n# grew\n');
    intel.refresh();
    assert.equal(intel.lookup('45.155.205.1'), undefined, 'old entries are gone');
    assert.ok(intel.lookup('45.9.148.35'));
    fs.writeFileSync(feed, '<html><body>502 Bad Gateway</body></html>\n<p>x</p>\n');
    intel.refresh();
    intel.refresh();
    assert.ok(intel.lookup('45.9.148.35'), 'garbage keeps the previous version');
    assert.equal(lines.filter((l) => /c2\.txt .*not loaded: .*keeping the entries loaded before/.test(l)).length, 1);
    fs.writeFileSync(feed, '');
    intel.refresh();
    assert.ok(intel.lookup('45.9.148.35'), 'an emptied file keeps the previous version');
    fs.rmSync(feed);
    intel.refresh();
    assert.equal(intel.lookup('45.9.148.35'), undefined, 'a feed removed from the directory is unloaded');
  });

  test('feeds from the rules file, with a name and format of their own', () => {
    const dir = tempDir('vigil-intel-');
    const file = path.join(dir, 'list');
    fs.writeFileSync(file, '"2024-01-01 00:00:00","45.9.148.35","3333","online","2024-01-02","Mirai"\n');
    const intel = new ThreatIntel([], () => undefined);
    intel.configure([{ path: file, name: 'my-c2', format: 'feodo-csv' }]);
    assert.equal(intel.lookup('45.9.148.35')?.feed, 'my-c2');
    assert.equal(intel.lookup('45.9.148.35')?.label, 'Mirai, port 3333');
  });
});

describe('IpPrefixTable: review finding 16', () => {
  test('IPv6 addresses carrying an IPv4 one are looked up as it: mapped in hex, NAT64, 6to4', () => {
    const t = new IpPrefixTable<string>();
    for (const e of parseFeed('45.9.148.0/24\n').entries) t.add(e.address, e.prefix, e.text);
    for (const a of ['::ffff:2d09:9407', '0:0:0:0:0:ffff:2d09:9407', '64:ff9b::2d09:9407', '64:ff9b::45.9.148.7', '2002:2d09:9407::1', '2002:2d09:9407:1::5'])
      assert.deepEqual(t.lookup(a)?.values, ['45.9.148.0/24'], a);
    assert.equal(t.lookup('64:ff9c::2d09:9407'), undefined);
  });

  test('a feed with zero-padded octets is read as decimal, with one line saying so', () => {
    const dir = tempDir('vigil-intel-');
    fs.writeFileSync(path.join(dir, 'padded.txt'), '045.009.148.007\n45.9.148.8\n');
    const lines: string[] = [];
    const intel = new ThreatIntel([dir], (l) => lines.push(l));
    intel.refresh();
    assert.ok(intel.lookup('45.9.148.7'));
    assert.equal(lines.filter((l) => /padded\.txt: read 1 addresses with zero-padded octets as decimal.*first at line 1/.test(l)).length, 1);
  });
});
