/** `vigil gaps`: what the store is missing and why, newest first. */
import { Command } from 'commander';
import { GapsRepo, type Gap } from '../store/gaps-repo';
import { openStoreReadOnly } from '../store/db';
import { parsePositiveInt, parseTime } from '../../../proto/cli-values';
import { dataDirOption } from '../../../proto/client-connection';
import { column } from '../../../proto/format/column';

interface GapsFlags {
  dataDir: string;
  node?: string;
  since?: number;
  limit: number;
  json?: boolean;
}

const time = (us: number) => new Date(Math.floor(us / 1000)).toISOString();

function line(g: Gap): string {
  const what = g.kind === 'audit'
    ? `${g.bytes} bytes of audit input`
    : g.kind === 'output'
      ? g.node ? `${g.skipped} batches of ${g.node} not exported (seqs ${g.firstSeq}-${g.lastSeq})` : `${g.skipped} alerts not exported (ids ${g.firstSeq}-${g.lastSeq})`
      : g.fromUs !== undefined ? `unwatched ${time(g.fromUs)} to ${time(g.toUs!)}` : `seqs ${g.firstSeq}-${g.lastSeq}, ${g.events} events`;
  return `${time(g.recordedAtUs)}  ${g.kind.padEnd(5)} ${column(g.source, 30)} ${what}: ${g.reason}`;
}

export function gapsCommand(): Command {
  return new Command('gaps')
    .description('list what the store is missing and why: events lost or refused, time a sensor was not running, audit input that could not be read, alerts or events an output skipped')
    .addOption(dataDirOption())
    .option('--node <name>', 'only this node\'s gaps')
    .option('--since <time>', 'recorded since (ISO 8601, or a duration ago: 1h)', parseTime)
    .option('-n, --limit <n>', 'at most this many', parsePositiveInt, 100)
    .option('--json', 'one JSON object per line')
    .action((f: GapsFlags) => {
      const db = openStoreReadOnly(f.dataDir);
      let gaps: Gap[];
      try {
        gaps = new GapsRepo(db).list({ node: f.node, sinceUs: f.since === undefined ? undefined : f.since * 1000, limit: f.limit });
      } finally {
        db.close();
      }
      process.stdout.write(gaps.map((g) => `${f.json ? JSON.stringify(g) : line(g)}\n`).join(''));
      if (!f.json && gaps.length === 0) process.stderr.write('no gaps recorded: nothing is known to be missing\n');
    });
}
