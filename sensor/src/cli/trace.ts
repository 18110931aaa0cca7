/**
 * `vigil trace`: live kernel events on the terminal, one per line (or one
 * JSON object per line). Ctrl-C stops cleanly and prints totals and drops.
 */
import { untilStopped } from '../../../proto/signals';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_RING_BYTES, listOf, parseRingBytes, sizeOption } from '../../../proto/cli-values';
import type { EventKind } from '../../../native';
import { EVENT_KINDS } from '../../../native';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import { count } from '../../../proto/format/count';
import { EVENT_LINE_HEADER, formatEventLine } from '../../../proto/format/event-line';
import type { SensorStats } from '../kernel-sensor';
import { NodePipeline } from '../node-pipeline';
import { TREE_EVENTS } from '../../../proto/client-connection';

export interface TraceFilter {
  types: readonly EventKind[];
  pid?: number;
  container?: string;
  namespace?: string;
  pod?: string;
}

/** Whether a trace with `filter` shows `ev`. Loss events always show. */
export function traceMatches(ev: Event__Output, filter: TraceFilter): boolean {
  if (ev.body === 'loss') return true;
  // Container lifecycle records show whatever types are traced.
  const lifecycle = ev.body === 'container_started' || ev.body === 'container_exited';
  if (!ev.body || (!lifecycle && !filter.types.includes(ev.body as EventKind))) return false;
  if (filter.pid !== undefined && ev.process?.pid !== filter.pid) return false;
  if (filter.container !== undefined) {
    const id = ev.container?.id ?? '';
    if (!id || !id.startsWith(filter.container)) return false;
  }
  if (filter.namespace !== undefined && ev.container?.pod_namespace !== filter.namespace) return false;
  if (filter.pod !== undefined && ev.container?.pod_name !== filter.pod) return false;
  return true;
}

/** What trace prints unless --type says otherwise: the events an operator watches for. */
const DEFAULT_TYPES: EventKind[] = ['exec', 'connect', 'mount'];

export const parseTypes = listOf(EVENT_KINDS, 'event type');

export function parsePid(value: string): number {
  if (!/^[1-9]\d{0,9}$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a process id`);
  return Number(value);
}

function parseContainer(value: string): string {
  if (!/^[0-9a-f]{1,64}$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a container id (or a prefix of one): expected lowercase hex`);
  return value;
}


/**
 * What the trace showed against what the kernel reported: the second counts
 * every type loaded (fork and exit too, loaded for the process tree even
 * when not traced) and every event a filter left out.
 */
function printTotals(shown: number, stats: SensorStats, traced: readonly EventKind[], loaded: readonly EventKind[]): void {
  const per = loaded
    .map((k) => {
      const t = stats.byType[k];
      return `${k}=${t.events}${traced.includes(k) ? '' : ' (not shown: kept for the process tree)'}${t.drops ? ` (dropped ${t.drops})` : ''}`;
    })
    .join(' ');
  process.stderr.write(`\nvigil trace: ${count(shown, 'event')} shown; the kernel reported ${stats.events}, ${stats.drops} dropped, in ${count(stats.batches, 'batch', 'batches')}: ${per}\n`);
}

interface TraceOptions {
  type: EventKind[];
  pid?: number;
  container?: string;
  namespace?: string;
  pod?: string;
  criSocket?: string;
  json?: boolean;
  ringBytes: number;
}

async function runTrace(opts: TraceOptions): Promise<void> {
  const filter: TraceFilter = { types: opts.type, pid: opts.pid, container: opts.container, namespace: opts.namespace, pod: opts.pod };
  let shown = 0;
  // The whole node pipeline, so lines carry executables, ancestry and pods;
  // fork/exit are loaded for the process tree even when not shown.
  const loaded = [...new Set<EventKind>([...opts.type, 'fork', 'exit'])];
  const pipeline = new NodePipeline({
    kernel: { types: loaded, ringBytes: opts.ringBytes },
    forward: TREE_EVENTS.filter((t) => opts.type.includes(t)),
    criSocket: opts.criSocket,
    log: (line) => process.stderr.write(`vigil trace: ${line}\n`),
    sink: (events) => {
      let out = '';
      for (const ev of events) {
        if (!traceMatches(ev, filter)) continue;
        out += opts.json ? `${JSON.stringify(ev)}\n` : `${formatEventLine(ev)}\n`;
        if (ev.body !== 'loss') shown++;
      }
      if (out) process.stdout.write(out);
    },
  });
  process.stderr.write(`vigil trace: tracing ${opts.type.join(',')} (Ctrl-C to stop)\n`);
  if (!opts.json) process.stdout.write(`${EVENT_LINE_HEADER}\n`);
  await untilStopped();
  // Stopping delivers what is still in the ring, so count the lines after it.
  const stats = await pipeline.stop();
  printTotals(shown, stats, opts.type, loaded);
}

export function traceCommand(): Command {
  return new Command('trace')
    .description('print live exec, connect, mount and file events from the kernel, one per line')
    .addOption(new Option('-t, --type <types>', `comma list of event types: ${EVENT_KINDS.join(',')}`).argParser(parseTypes).default(DEFAULT_TYPES, DEFAULT_TYPES.join(',')))
    .option('-p, --pid <pid>', 'only events of this process id', parsePid)
    .option('-c, --container <id>', 'only events from this container (id or prefix)', parseContainer)
    .option('--namespace <ns>', 'only events from pods in this Kubernetes namespace')
    .option('--pod <name>', 'only events from this pod')
    .option('--cri-socket <path>', 'container runtime (CRI) socket (default: found at the usual paths)')
    .option('--json', 'one JSON object per line')
    .addOption(sizeOption('--ring-bytes <size>', 'kernel ring buffer size, a power of two (e.g. 16MiB)', parseRingBytes, DEFAULT_RING_BYTES))
    .action((opts: TraceOptions) => runTrace(opts));
}
