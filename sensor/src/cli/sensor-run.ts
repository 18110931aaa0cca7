/** `vigil sensor`: the node agent, streaming kernel events to a control plane. */
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { KernelSensor } from '../kernel-sensor';
import { addressFromFlags, type ClientFlags } from '../../../proto/client-connection';
import { Outbox } from '../outbox';
import { ProcessTree } from '../process-tree';
import { SensorClient } from '../sensor-client';
import { parseRingBytes } from './trace';

interface SensorFlags extends ClientFlags {
  nodeName: string;
  spillDir?: string;
  ringBytes: number;
}

export interface RunningSensor {
  stop(): Promise<void>;
}

export function startSensor(f: SensorFlags, version: string, log: (line: string) => void): RunningSensor {
  const address = addressFromFlags(f);
  const outbox = new Outbox({ dir: f.spillDir ?? path.join(f.dataDir, 'sensor') });
  const client = new SensorClient(outbox, { ...address, nodeName: f.nodeName, version, log });
  const kernel = KernelSensor.start({ ringBytes: f.ringBytes });
  // Read /proc only once the programs are attached: a process forked in
  // between is then either in /proc or in the first batches, never in neither.
  const tree = new ProcessTree();
  tree.bootstrap();
  const reaper = setInterval(() => tree.reap(Date.now()), 10_000);
  let decodeErrors = 0;
  kernel.onBatch((batch) => {
    if (batch.errors.length && decodeErrors === 0) log(`undecodable kernel record skipped: ${batch.errors[0]}`);
    decodeErrors += batch.errors.length;
    if (batch.events.length === 0) return;
    const now = Date.now();
    for (const ev of batch.events) tree.apply(ev, now);
    outbox.enqueue(batch.events);
    client.pump();
  });
  client.start();
  log(`streaming ${f.nodeName}'s events to ${address.target}`);
  return {
    async stop() {
      clearInterval(reaper);
      const stats = await kernel.stop();
      await client.stop();
      const o = outbox.stats;
      log(`stopped: ${stats.events} kernel events, ${stats.drops} dropped in the kernel, ${o.pending} batches unacknowledged (${o.spilledBatches} spilled), ${o.droppedBatches} batches dropped`);
    },
  };
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
    .action(async (f: SensorFlags) => {
      const log = (line: string) => process.stderr.write(`vigil sensor: ${line}\n`);
      const sensor = startSensor(f, version, log);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await sensor.stop();
    });
}
