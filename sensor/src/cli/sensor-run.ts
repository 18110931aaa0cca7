/** `vigil sensor`: the node agent, streaming kernel events to a control plane. */
import * as path from 'node:path';
import { untilStopped } from '../../../proto/signals';
import { Command } from 'commander';
import { addClientOptions, addSensorOptions, addressFromFlags, nodeNameOf, type ClientFlags, type SensorOptionFlags } from '../../../proto/client-connection';
import { Outbox } from '../outbox';
import { NodePipeline } from '../node-pipeline';
import { SensorClient } from '../sensor-client';

export type SensorFlags = ClientFlags & SensorOptionFlags;

export interface RunningSensor {
  stop(): Promise<void>;
}

export function startSensor(f: SensorFlags, version: string, log: (line: string) => void): RunningSensor {
  const address = addressFromFlags(f);
  const nodeName = nodeNameOf(f);
  const outbox = new Outbox({ dir: f.spillDir ?? path.join(f.dataDir, 'sensor'), nodeName });
  const client = new SensorClient(outbox, { ...address, nodeName, version, log });
  const pipeline = new NodePipeline({
    kernel: { ringBytes: f.ringBytes },
    criSocket: f.criSocket,
    ociBundleRoots: f.ociBundleRoot,
    log,
    sink: (events, accounts) => {
      outbox.enqueue(events, accounts);
      client.pump();
    },
  });
  client.start();
  log(`streaming ${nodeName}'s events to ${address.target}`);
  return {
    async stop() {
      const stats = await pipeline.stop();
      await client.stop();
      const o = outbox.stats;
      log(`stopped: ${stats.events} kernel events, ${stats.drops} dropped in the kernel, ${o.pending} batches unacknowledged (kept in ${o.logBytes} bytes of log), ${o.droppedBatches} batches dropped`);
    },
  };
}

export function sensorCommand(version: string): Command {
  return addSensorOptions(addClientOptions(new Command('sensor')))
    .description('run the node sensor and stream its events to a control plane')
    .action(async (f: SensorFlags) => {
      const log = (line: string) => process.stderr.write(`vigil sensor: ${line}\n`);
      const sensor = startSensor(f, version, log);
      await untilStopped();
      await sensor.stop();
    });
}
