/**
 * `vigil events`: query stored events (table, or one JSON object per line),
 * from the store in --data-dir, or with --controlplane through a running
 * control plane (a cluster view passes --node N on to node N's).
 */
import { Command, InvalidArgumentError } from 'commander';
import type { EventFilter } from '../../../proto/generated/vigil/v1/EventFilter';
import type { EventFilter__Output } from '../../../proto/generated/vigil/v1/EventFilter';
import type { StoredEvent__Output } from '../../../proto/generated/vigil/v1/StoredEvent';
import { EVENT_LINE_HEADER, formatEventLine } from '../../../proto/format/event-line';
import { openStoreReadOnly } from '../store/db';
import { EventsRepo } from '../store/events-repo';
import { parsePositiveInt, parseTime } from '../../../proto/cli-values';
import { addClientOptions, type ClientFlags } from '../../../proto/client-connection';
import { listRemotely } from '../../../proto/remote-list';
import { EVENT_BODIES } from '../store/event-type-number';
import { MIN_CONTAINER_PREFIX } from '../../../proto/container-prefix';
import { column } from '../../../proto/format/column';


interface EventsFlags extends ClientFlags {
  type?: string;
  since?: number;
  until?: number;
  pid?: number;
  container?: string;
  node?: string;
  namespace?: string;
  pod?: string;
  limit: number;
  json?: boolean;
}

function parseType(value: string): string {
  if (!EVENT_BODIES.includes(value)) throw new InvalidArgumentError(`unknown event type "${value}"; expected one of ${EVENT_BODIES.join(', ')}`);
  return value;
}

function toFilter(f: EventsFlags): EventFilter__Output {
  const filter: Required<EventFilter> = {
    type: f.type ? (`EVENT_TYPE_${f.type.toUpperCase()}` as EventFilter__Output['type']) : 'EVENT_TYPE_UNSPECIFIED',
    since_unix_nano: f.since ? `${f.since}000000` : '0',
    until_unix_nano: f.until ? `${f.until}000000` : '0',
    pid: f.pid ?? 0,
    container_id: f.container ?? '',
    node_name: f.node ?? '',
    pod_namespace: f.namespace ?? (f.pod?.includes('/') ? f.pod.split('/')[0] : ''),
    pod_name: f.pod?.includes('/') ? f.pod.split('/')[1] : (f.pod ?? ''),
  };
  return filter as EventFilter__Output;
}

/** Newest first, as many as `limit`, across pages. */
export function queryEvents(dataDir: string, filter: EventFilter__Output, limit: number): StoredEvent__Output[] {
  const db = openStoreReadOnly(dataDir);
  try {
    return new EventsRepo(db).list(filter, limit, '').events;
  } finally {
    db.close();
  }
}

/** The same, asked of a running control plane, page by page. */
export function queryEventsRemotely(f: ClientFlags, filter: EventFilter__Output, limit: number): Promise<StoredEvent__Output[]> {
  return listRemotely(f, limit, (query, md, size, token, done) =>
    query.ListEvents({ filter, page_size: size, page_token: token }, md, (err, res) => done(err, res && { items: res.events, next: res.next_page_token })),
  );
}

export function eventsCommand(): Command {
  return addClientOptions(new Command('events'))
    .description('list stored events, newest first (with --controlplane: asked of a running control plane or cluster view)')
    .option('-t, --type <type>', `one of ${EVENT_BODIES.join(', ')}`, parseType)
    .option('--since <time>', 'from this time (ISO date, or a duration ago: 15m)', parseTime)
    .option('--until <time>', 'up to this time', parseTime)
    .option('-p, --pid <pid>', 'process id', parsePositiveInt)
    .option('-c, --container <id>', `container id or prefix (at least ${MIN_CONTAINER_PREFIX} characters)`)
    .option('--node <name>', 'node name')
    .option('--namespace <ns>', 'Kubernetes namespace of the pod')
    .option('--pod <ns/name>', 'pod, as NAMESPACE/NAME or NAME')
    .option('-n, --limit <n>', 'at most this many', parsePositiveInt, 50)
    .option('--json', 'one JSON object per line')
    .action(async (f: EventsFlags) => {
      const rows = f.controlplane ? await queryEventsRemotely(f, toFilter(f), f.limit) : queryEvents(f.dataDir, toFilter(f), f.limit);
      let out = f.json ? '' : `${'ID'.padStart(8)} ${'NODE'.padEnd(12)} ${EVENT_LINE_HEADER}\n`;
      for (const r of rows)
        out += f.json ? `${JSON.stringify(r)}\n` : `${r.id.padStart(8)} ${column(r.node_name, 12)} ${formatEventLine(r.event!)}\n`;
      process.stdout.write(out);
    });
}
