/**
 * HOST:PORT as every vigil listener takes it (gRPC, the audit webhook, the
 * metrics endpoint), and which hosts stay on this machine: what decides
 * whether a listener may go without TLS or a token.
 */
import { VigilError } from './errors';

export function parseHostPort(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new VigilError('INVALID_ARGUMENT', `"${address}" is not HOST:PORT (e.g. 127.0.0.1:7443 or [::1]:7443)`);
  return { host: m[1] ?? m[2], port };
}

/** The inverse of parseHostPort: an IPv6 host goes in brackets. */
export function formatHostPort(host: string, port: number | string): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
