import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeSockaddr } from '../../../../sensor/src/decode/sockaddr';

function inet6(port: number, groups: number[]): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt16LE(10, 0);
  b.writeUInt16BE(port, 2);
  groups.forEach((g, i) => b.writeUInt16BE(g, 8 + i * 2));
  return b;
}

describe('decodeSockaddr', () => {
  test('IPv4 address and port in network order', () => {
    const b = Buffer.from([2, 0, 0x1f, 0x90, 10, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(decodeSockaddr(b), { family: 'FAMILY_INET', address: '10.1.2.3', port: 8080, raw_family: 2 });
  });

  test('IPv6 in RFC 5952 text', () => {
    assert.equal(decodeSockaddr(inet6(443, [0, 0, 0, 0, 0, 0, 0, 1])).address, '::1');
    assert.equal(decodeSockaddr(inet6(443, [0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])).address, '2001:db8::1:0:0:1');
    assert.equal(decodeSockaddr(inet6(443, [0, 0, 0, 0, 0, 0xffff, 0xc0a8, 0x0101])).address, '::ffff:192.168.1.1');
    assert.equal(decodeSockaddr(inet6(443, [1, 2, 3, 4, 5, 6, 7, 8])).address, '1:2:3:4:5:6:7:8');
    assert.equal(decodeSockaddr(inet6(443, [0, 0, 0, 0, 0, 0, 0, 0])).address, '::');
    assert.equal(decodeSockaddr(inet6(443, [0, 0, 0, 0, 0, 0, 0, 1])).port, 443);
  });

  test('unix paths, abstract names with @', () => {
    const path = Buffer.concat([Buffer.from([1, 0]), Buffer.from('/run/containerd/containerd.sock\0junk')]);
    assert.deepEqual(decodeSockaddr(path), { family: 'FAMILY_UNIX', address: '/run/containerd/containerd.sock', port: 0, raw_family: 1 });
    const abstract = Buffer.concat([Buffer.from([1, 0, 0]), Buffer.from('dbus-abc')]);
    assert.equal(decodeSockaddr(abstract).address, '@dbus-abc');
  });

  test('short or foreign input does not throw', () => {
    assert.equal(decodeSockaddr(Buffer.alloc(0)).family, 'FAMILY_UNSPECIFIED');
    assert.equal(decodeSockaddr(Buffer.from([2, 0, 1])).family, 'FAMILY_OTHER', 'an IPv4 family with a cut address');
    assert.deepEqual(decodeSockaddr(Buffer.from([16, 0, 1, 2])), { family: 'FAMILY_OTHER', address: '', port: 0, raw_family: 16 });
  });
});
