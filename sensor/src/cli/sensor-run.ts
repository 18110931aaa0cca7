/** `vigil sensor`: the node agent, streaming kernel events to a control plane. */
import * as os from 'node:os';
import * as path from 'node:path';
import { untilStopped } from '../../../proto/signals';
import { Command } from 'commander';
import { addressFromFlags, type ClientFlags } from '../../../proto/client-connection';
import { Outbox } from '../outbox';
import { CRI_SOCKETS } from '../../../proto/cri-runtime';
import { NodePipeline } from '../node-pipeline';
import { SensorClient } from '../sensor-client';
import { parseRingBytes } from './trace';

interface SensorFlags extends ClientFlags {
  nodeName: string;
  spillDir?: string;
  ringBytes: number;
  criSocket?: string;
  ociBundleRoot: string[];
}

export interface RunningSensor {
  stop(): Promise<void>;
}

export function startSensor(f: SensorFlags, version: string, log: (line: string) => void): RunningSensor {
  const address = addressFromFlags(f);
  const outbox = new Outbox({ dir: f.spillDir ?? path.join(f.dataDir, 'sensor') });
  const client = new SensorClient(outbox, { ...address, nodeName: f.nodeName, version, log });
  const pipeline = new NodePipeline({
    kernel: { ringBytes: f.ringBytes },
    criSocket: f.criSocket,
    ociBundleRoots: f.ociBundleRoot,
    log,
    sink: (events) => {
      outbox.enqueue(events);
      client.pump();
    },
  });
  client.start();
  log(`streaming ${f.nodeName}'s events to ${address.target}`);
  return {
    async stop() {
      const stats = await pipeline.stop();
      await client.stop();
      const o = outbox.stats;
      log(`stopped: ${stats.events} kernel events, ${stats.drops} dropped in the kernel, ${o.pending} batches unacknowledged (${o.spilledBatches} spilled), ${o.droppedBatches} batches dropped`);
    },
  };
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function sensorCommand(version: string): Command {
  return new Command('sensor')
    .description('run the node sensor and stream its events to a control plane')
    .option('--data-dir <dir>', 'where the token, socket and spill files are found', '/var/lib/vigil')
    .option('--controlplane <address>', 'unix:///path/vigil.sock or HOST:PORT (default: the socket in --data-dir)')
    .option('--token-file <file>', 'bearer token (default: <data-dir>/token)')
    .option('--tls-ca <file>', 'CA of the control plane certificate')
    .option('--tls-cert <file>', 'client certificate (mutual TLS)')
    .option('--tls-key <file>', 'client key (mutual TLS)')
    .option('--node-name <name>', 'this node as alerts name it', os.hostname())
    .option('--spill-dir <dir>', 'where unacknowledged batches spill to disk (default: <data-dir>/sensor)')
    .option('--ring-bytes <size>', 'kernel ring buffer size, a power of two', parseRingBytes, 8 * 1024 * 1024)
    .option('--cri-socket <path>', `container runtime (CRI) socket (default: the first of ${CRI_SOCKETS.join(', ')})`)
    .option('--oci-bundle-root <dir>', 'where a container runtime keeps its OCI bundles, besides the usual places (repeatable)', collect, [] as string[])
    .action(async (f: SensorFlags) => {
      const log = (line: string) => process.stderr.write(`vigil sensor: ${line}\n`);
      const sensor = startSensor(f, version, log);
      await untilStopped();
      await sensor.stop();
    });
}
