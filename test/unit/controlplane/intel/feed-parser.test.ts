import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, test } from 'node:test';
import { parseFeed } from '../../../../controlplane/src/intel/feed-parser';
import { fixturePath } from '../../../helpers/fixture-path';

const read = (name: string) => fs.readFileSync(fixturePath('intel', name), 'utf8');
const texts = (name: string) => parseFeed(read(name)).entries.map((e) => e.text);

describe('threat-intel feed formats', () => {
  test('FireHOL netset: # header, CIDRs and single IPs; the full bogons are skipped and counted', () => {
    const p = parseFeed(read('firehol_level1.netset'));
    assert.equal(p.format, 'plain');
    assert.deepEqual(p.entries.map((e) => e.text), ['2.57.121.0/24', '5.188.10.0/23', '45.148.10.0/24', '185.220.101.31']);
    assert.equal(p.skipped, 8, '0/8 10/8 100.64/10 127/8 169.254/16 172.16/12 192.168/16 224/3');
    assert.match(p.firstSkipped!, /0\.0\.0\.0\/8 \((unspecified|a \/8)/);
    assert.equal(p.malformed, 0);
  });

  test('Spamhaus DROP native (; comments, SBL ids), stripped, IPv6 and JSON lines agree', () => {
    const native = parseFeed(read('spamhaus-drop.txt'));
    assert.equal(native.format, 'spamhaus');
    assert.deepEqual(native.entries.map((e) => [e.text, e.label]), [['1.10.16.0/20', 'SBL256894'], ['45.155.204.0/23', 'SBL582104'], ['103.77.192.0/22', 'SBL615022']]);
    assert.equal(native.skipped, 1, 'TEST-NET-2 is reserved');
    assert.deepEqual(texts('spamhaus-drop-stripped.txt'), native.entries.map((e) => e.text));
    const json = parseFeed(read('spamhaus-drop.json'));
    assert.deepEqual(json.entries.map((e) => [e.text, e.label]), native.entries.map((e) => [e.text, e.label]));
    assert.equal(json.malformed, 0, 'the metadata line is not an entry');
    const v6 = parseFeed(read('spamhaus-drop-v6.txt'));
    assert.deepEqual(v6.entries.map((e) => e.text), ['2a06:e480::/29', '2a0e:b107:1a00::/40']);
    assert.equal(v6.skipped, 1, 'fc00::/7 is unique-local');
  });

  test('Emerging Threats with section comments, Tor bulk list and exit-addresses records', () => {
    assert.deepEqual(texts('emerging-block-ips.txt'), ['1.10.16.0/20', '45.155.204.0/23', '80.82.77.0/24', '89.248.165.0/24', '185.220.101.31']);
    assert.deepEqual(texts('tor-bulk-exit-list.txt'), ['185.220.101.31', '185.220.101.32', '2a0b:f4c2:2::31', '104.244.72.115']);
    const exits = parseFeed(read('tor-exit-addresses.txt'));
    assert.deepEqual(exits.entries.map((e) => [e.text, e.label]), [['162.247.74.201', 'Tor exit'], ['185.220.101.32', 'Tor exit']]);
    assert.equal(exits.malformed, 0);
  });

  test('Feodo Tracker CSV: the dst_ip column, malware family and port as the label, private rows skipped', () => {
    const p = parseFeed(read('feodo-ipblocklist.csv'));
    assert.equal(p.format, 'feodo-csv');
    assert.deepEqual(p.entries.map((e) => [e.text, e.label]), [['51.38.124.206', 'QakBot, port 443'], ['162.243.103.246', 'Emotet, port 8080']]);
    assert.equal(p.skipped, 1);
  });

  test('addresses written other ways: host bits set, IPv4-mapped IPv6, /32 as a host, CRLF line ends', () => {
    const p = parseFeed('45.155.205.17/23\r\n::ffff:51.38.124.206\r\n8.8.4.4/32\r\n::ffff:45.9.148.0/120\r\n');
    assert.deepEqual(p.entries.map((e) => e.text), ['45.155.204.0/23', '51.38.124.206', '8.8.4.4', '45.9.148.0/24']);
  });

  test('garbage is counted per line, never guessed; over-broad prefixes are refused', () => {
    const p = parseFeed('# list\n1.2.3.4\nnot-an-ip\n127.1\n300.1.1.1\n8.0.0.0/6\n2001:db8::/32\n<html>\n');
    assert.deepEqual(p.entries.map((e) => e.text), ['1.2.3.4']);
    assert.equal(p.malformed, 4);
    assert.equal(p.firstMalformedLine, 3);
    assert.equal(p.skipped, 2, 'a /6 spans registries; documentation space is reserved');
  });
});

describe('threat-intel feeds: review finding 16', () => {
  test('zero-padded octets are decimal, counted with the first line that had them', () => {
    const p = parseFeed('# padded\n045.009.148.007\n010.1.2.3/24\n45.9.148.8\n');
    assert.deepEqual(p.entries.map((e) => e.text), ['45.9.148.7', '45.9.148.8']);
    assert.equal(p.zeroPadded, 2);
    assert.equal(p.firstZeroPaddedLine, 2);
    assert.equal(p.skipped, 1, '010.1.2.3/24 is 10.1.2.0/24, a private range: skipped, never 8.1.2.0/24');
  });

  test('NAT64 entries (64:ff9b::/96) are the IPv4 they carry', () => {
    assert.deepEqual(parseFeed('64:ff9b::2d09:9407\n64:ff9b::45.9.148.0/120\n').entries.map((e) => e.text), ['45.9.148.7', '45.9.148.0/24']);
  });
});
