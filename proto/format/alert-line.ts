/** One alert as one terminal line. */
import type { Alert__Output } from '../generated/vigil/v1/Alert';
import { column } from './column';

/** The longest built-in rule id (api-server-access-from-container); unit/proto/alert-line holds every rule to it. */
export const RULE_COLUMN = 32;

export const ALERT_LINE_HEADER = `${'ID'.padStart(6)} ${'TIME'.padEnd(24)} ${'SEVERITY'.padEnd(8)} ${'RULE'.padEnd(RULE_COLUMN)} ${'NODE'.padEnd(12)} ${'CONTAINER'.padEnd(12)} SUMMARY`;

export function formatAlertLine(a: Alert__Output): string {
  const ms = Number(BigInt(a.first_seen_unix_nano || '0') / 1_000_000n);
  const count = a.count > 1 ? ` (x${a.count})` : '';
  return [
    a.id.padStart(6),
    new Date(ms).toISOString().padEnd(24),
    String(a.severity).replace('SEVERITY_', '').padEnd(8),
    a.rule_id.padEnd(RULE_COLUMN),
    column(a.node_name, 12),
    (a.container_id.slice(0, 12) || '-').padEnd(12),
    `${a.summary}${count}`,
  ].join(' ');
}
