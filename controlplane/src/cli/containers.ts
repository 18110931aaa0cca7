/** `vigil containers`: the containers the sensors have seen, with their metadata. */
import { Command } from 'commander';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import { openStoreReadOnly } from '../store/db';
import { dataDirOption, parsePositiveInt } from './options';

interface ContainersFlags {
  dataDir: string;
  namespace?: string;
  limit: number;
  json?: boolean;
}

export interface SeenContainer {
  node: string;
  started: Event__Output;
  exited?: Event__Output;
}

/** Newest first: each container's ContainerStarted and, if gone, its ContainerExited. */
export function listContainers(dataDir: string, limit: number, namespace?: string): SeenContainer[] {
  const db = openStoreReadOnly(dataDir);
  try {
    const started = db
      .prepare(
        `SELECT n.name AS node, e.body FROM events e JOIN nodes n ON n.id = e.node_id WHERE e.type = 7
         ${namespace ? "AND json_extract(e.body, '$.container.pod_namespace') = ?" : ''} ORDER BY e.id DESC LIMIT ?`,
      )
      .all(...(namespace ? [namespace] : []), limit) as { node: string; body: string }[];
    const exited = db.prepare("SELECT body FROM events WHERE type = 8 AND json_extract(body, '$.container.id') = ? LIMIT 1").pluck();
    return started.map((r) => {
      const ev = JSON.parse(r.body) as Event__Output;
      const gone = exited.get(ev.container!.id) as string | undefined;
      return { node: r.node, started: ev, exited: gone ? (JSON.parse(gone) as Event__Output) : undefined };
    });
  } finally {
    db.close();
  }
}

export function containersCommand(): Command {
  return new Command('containers')
    .description('list the containers the sensors have seen, newest first, with pod, image and privileges')
    .addOption(dataDirOption())
    .option('--namespace <ns>', 'only this Kubernetes namespace')
    .option('-n, --limit <n>', 'at most this many', parsePositiveInt, 100)
    .option('--json', 'one JSON object per line')
    .action((f: ContainersFlags) => {
      const rows = listContainers(f.dataDir, f.limit, f.namespace);
      let out = f.json ? '' : `${'CONTAINER'.padEnd(13)} ${'NODE'.padEnd(12)} ${'POD'.padEnd(32)} ${'NAME'.padEnd(14)} ${'IMAGE'.padEnd(28)} ${'PRIV'.padEnd(4)} STATUS\n`;
      for (const r of rows) {
        const c = r.started.container!;
        const d = r.started.container_started?.details;
        if (f.json) {
          out += `${JSON.stringify({ node: r.node, container: c, details: d, exited: r.exited ? { exit_code: r.exited.container_exited?.exit_code, time_unix_nano: r.exited.time_unix_nano } : null })}\n`;
          continue;
        }
        const pod = c.pod_name ? `${c.pod_namespace}/${c.pod_name}` : '-';
        const status = r.exited ? `exited (${r.exited.container_exited?.exit_code})` : 'running';
        out += `${c.id.slice(0, 12).padEnd(13)} ${r.node.slice(0, 12).padEnd(12)} ${pod.slice(0, 32).padEnd(32)} ${(d?.is_sandbox ? '(sandbox)' : c.name || '-').padEnd(14)} ${(c.image || '-').slice(0, 28).padEnd(28)} ${(d?.privileged ? 'yes' : 'no').padEnd(4)} ${status}\n`;
      }
      process.stdout.write(out);
    });
}
