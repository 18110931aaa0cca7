/** Raw sockaddr bytes, as the caller passed them to connect(2), to text. */
import type { SocketAddress__Output } from '../../../proto/generated/vigil/v1/SocketAddress';

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;

function ipv6Text(b: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  // ::ffff:a.b.c.d (IPv4-mapped) reads better in its dotted form.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  // RFC 5952: compress the longest run (>= 2) of zero groups.
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt === -1) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

export function decodeSockaddr(addr: Buffer): SocketAddress__Output {
  if (addr.length < 2) return { family: 'FAMILY_UNSPECIFIED', address: '', port: 0, raw_family: 0 };
  const family = addr.readUInt16LE(0);
  if (family === AF_INET && addr.length >= 8)
    return { family: 'FAMILY_INET', address: `${addr[4]}.${addr[5]}.${addr[6]}.${addr[7]}`, port: addr.readUInt16BE(2), raw_family: family };
  if (family === AF_INET6 && addr.length >= 24)
    return { family: 'FAMILY_INET6', address: ipv6Text(addr.subarray(8, 24)), port: addr.readUInt16BE(2), raw_family: family };
  if (family === AF_UNIX) {
    const path = addr.subarray(2);
    // A leading NUL marks an abstract socket; ss and netstat print it as '@'.
    const address = path.length > 0 && path[0] === 0
      ? `@${path.subarray(1).toString('utf8').replace(/\0+$/, '')}`
      : path.toString('utf8').split('\0')[0];
    return { family: 'FAMILY_UNIX', address, port: 0, raw_family: family };
  }
  return { family: 'FAMILY_OTHER', address: '', port: 0, raw_family: family };
}
