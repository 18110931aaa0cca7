import type { Connect__Output } from '../../../proto/generated/vigil/v1/Connect';
import type { RecordLayout } from '../../../native';
import type { RecordReader } from './record-reader';
import { decodeSockaddr } from './sockaddr';

export function decodeConnect(r: RecordReader, layout: RecordLayout): Connect__Output {
  const f = layout.connect;
  const len = Math.min(r.u32(f.addr_len, 'connect.addr_len'), layout.limits.sockaddr);
  return {
    result: r.s32(f.result, 'connect.result'),
    fd: r.s32(f.fd, 'connect.fd'),
    destination: decodeSockaddr(r.bytes(f.addr, len, 'connect.addr')),
  };
}
