/** `vigil audit`: stored Kubernetes audit events. */
import { Command } from 'commander';
import type { AuditRecord__Output } from '../../../proto/generated/vigil/v1/AuditRecord';
import { AuditRepo } from '../store/audit-repo';
import { openStoreReadOnly } from '../store/db';
import { parsePositiveInt, parseTime } from '../../../proto/cli-values';
import { dataDirOption } from '../../../proto/client-connection';
import { column } from '../../../proto/format/column';

interface AuditFlags {
  dataDir: string;
  verb?: string;
  user?: string;
  resource?: string;
  namespace?: string;
  since?: number;
  limit: number;
  json?: boolean;
}

export const AUDIT_LINE_HEADER = `${'TIME'.padEnd(24)} ${'USER'.padEnd(28)} ${'VERB'.padEnd(10)} ${'CODE'.padStart(4)} ${'DECISION'.padEnd(8)} OBJECT`;

export function formatAuditLine(r: AuditRecord__Output): string {
  const object = `${r.resource}${r.subresource ? `/${r.subresource}` : ''} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`.trim();
  return [
    new Date(Number(BigInt(r.time_unix_nano) / 1_000_000n)).toISOString().padEnd(24),
    column(r.username, 28),
    r.verb.padEnd(10),
    String(r.response_code).padStart(4),
    r.decision.padEnd(8),
    object || r.request_uri,
  ].join(' ');
}

export function auditCommand(): Command {
  return new Command('audit')
    .description('list stored Kubernetes audit events, newest first')
    .addOption(dataDirOption())
    .option('--verb <verb>', 'create, update, patch, delete, get, list, ...')
    .option('--user <name>', 'user name as the API server saw it')
    .option('--resource <resource>', 'pods, clusterrolebindings, ...')
    .option('--namespace <ns>', 'namespace')
    .option('--since <time>', 'from this time (ISO date, or a duration ago: 15m)', parseTime)
    .option('-n, --limit <n>', 'at most this many', parsePositiveInt, 50)
    .option('--json', 'one JSON object per line')
    .action((f: AuditFlags) => {
      const db = openStoreReadOnly(f.dataDir);
      try {
        const rows = new AuditRepo(db).list({ verb: f.verb, user: f.user, resource: f.resource, namespace: f.namespace, sinceUs: f.since ? f.since * 1000 : undefined, limit: f.limit });
        let out = f.json ? '' : `${AUDIT_LINE_HEADER}\n`;
        for (const r of rows) out += f.json ? `${JSON.stringify(r.record)}\n` : `${formatAuditLine(r.record)}\n`;
        process.stdout.write(out);
      } finally {
        db.close();
      }
    });
}
