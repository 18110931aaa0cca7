/** `vigil sensor`: the node agent, streaming kernel events to a control plane. */
import * as path from 'node:path';
import { untilStopped } from '../../../proto/signals';
import { Command } from 'commander';
import { addClientOptions, addSensorOptions, addressFromFlags, nodeNameOf, type ClientFlags, type SensorOptionFlags } from '../../../proto/client-connection';
import { Outbox } from '../outbox';
import { NodePipeline } from '../node-pipeline';
import { SensorClient } from '../sensor-client';
import { RunRecord, type PreviousRun } from '../run-record';

export type SensorFlags = ClientFlags & SensorOptionFlags;

export interface RunningSensor {
  stop(): Promise<void>;
}

/** Why the node went unwatched between the run before and this one. */
function unwatched(before: PreviousRun, now: number): string {
  const at = (ms: number) => new Date(ms).toISOString();
  return before.clean
    ? `sensor not running from ${at(before.endedAt)} to ${at(now)} (stopped, then started again): activity on the node in this window was not observed`
    : `sensor died (killed, out of memory, or the node went down) after ${at(before.endedAt)} and ran again from ${at(now)}: activity in this window was not observed, and kernel records read but not yet logged were lost`;
}

export function startSensor(f: SensorFlags, version: string, log: (line: string) => void): RunningSensor {
  const address = addressFromFlags(f);
  const nodeName = nodeNameOf(f);
  const dir = f.spillDir ?? path.join(f.dataDir, 'sensor');
  const outbox = new Outbox({ dir, nodeName });
  const runs = new RunRecord(dir);
  const before = runs.previous();
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
  runs.start();
  if (before) outbox.recordLoss(0, unwatched(before, Date.now()), { fromMs: before.endedAt, toMs: Date.now() });
  client.start();
  log(`streaming ${nodeName}'s events to ${address.target}`);
  return {
    async stop() {
      const stats = await pipeline.stop();
      runs.stop();
      await client.stop();
      outbox.close();
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
