/** `vigil containers`: the containers the sensors have seen, with their metadata. */
import { Command } from 'commander';
import { ContainersRepo, type SeenContainer } from '../store/containers-repo';
import { openStoreReadOnly } from '../store/db';
import { parsePositiveInt } from '../../../proto/cli-values';
import { dataDirOption } from '../../../proto/client-connection';
import { column } from '../../../proto/format/column';

interface ContainersFlags {
  dataDir: string;
  namespace?: string;
  limit: number;
  json?: boolean;
}

/** Newest first: each container's ContainerStarted and, if gone, its ContainerExited. */
function listContainers(dataDir: string, limit: number, namespace?: string): SeenContainer[] {
  const db = openStoreReadOnly(dataDir);
  try {
    return new ContainersRepo(db).list(limit, namespace);
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
        out += `${c.id.slice(0, 12).padEnd(13)} ${column(r.node, 12)} ${column(pod, 32)} ${(d?.is_sandbox ? '(sandbox)' : c.name || '-').padEnd(14)} ${column(c.image || '-', 28)} ${(d?.privileged ? 'yes' : 'no').padEnd(4)} ${status}\n`;
      }
      process.stdout.write(out);
    });
}
