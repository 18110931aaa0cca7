/** `vigil sensor`: the node agent, streaming kernel events to a control plane. */
import * as path from 'node:path';
import { untilStopped } from '../../../proto/signals';
import { Command } from 'commander';
import { addClientOptions, addSensorOptions, addressFromFlags, nodeNameOf, type ClientFlags, type SensorOptionFlags } from '../../../proto/client-connection';
import { Outbox } from '../outbox';
import { NodePipeline } from '../node-pipeline';
import { SensorClient } from '../sensor-client';
import { RunRecord, type PreviousRun } from '../run-record';
import { profileIfAsked } from '../../../proto/cpu-profile';
import type { FileAccessKind } from '../../../proto/watched-paths';
import { MetricsEndpoint, describeAddress } from '../../../proto/metrics-endpoint';
import { addMetricsOptions, metricsSettings, type MetricsFlags } from '../../../proto/metrics-flags';
import { addSensorMetrics, criLatencyMetric } from '../sensor-metrics';
import { countersPinFor } from '../counters-pin';

export type SensorFlags = ClientFlags & SensorOptionFlags & MetricsFlags;

export interface RunningSensor {
  stop(): Promise<void>;
}

/** Why the node went unwatched between the run before and this one, and what a dead run lost. */
function unwatched(before: PreviousRun, now: number, lost: number | undefined): string {
  const at = (ms: number) => new Date(ms).toISOString();
  if (before.clean) return `sensor not running from ${at(before.endedAt)} to ${at(now)} (stopped, then started again): activity on the node in this window was not observed`;
  const count = lost === undefined ? 'an unknown number of kernel records it had read were lost (the kernel\'s counts did not survive: the node restarted, or bpffs was cleared)' : `${lost} kernel records it had read but not yet logged were lost`;
  return `sensor died (killed, out of memory, or the node went down) after ${at(before.endedAt)} and ran again from ${at(now)}: activity in this window was not observed, and ${count}`;
}

/** Starts the sensor; with `metrics`, its metrics and checks are added to that endpoint (which the caller serves). */
export function startSensor(f: SensorFlags, version: string, log: (line: string) => void, metrics?: MetricsEndpoint): RunningSensor {
  const address = addressFromFlags(f);
  const nodeName = nodeNameOf(f);
  const dir = f.spillDir ?? path.join(f.dataDir, 'sensor');
  const outbox = new Outbox({ dir, nodeName });
  const runs = new RunRecord(dir);
  const before = runs.previous();
  let applied = '';
  const client = new SensorClient(outbox, {
    ...address,
    nodeName,
    version,
    log,
    onConfig: (config) => {
      const paths = config.watched_paths.map((p) => ({ path: p.path, category: p.category, ...(p.access.length ? { access: p.access as FileAccessKind[] } : {}) }));
      const text = JSON.stringify(paths);
      if (text === applied) return;
      applied = text;
      if (!pipeline.kernel.watchesFiles) return log('the control plane sent watched paths, but file events are off on this sensor');
      try {
        pipeline.kernel.setWatchedPaths(paths);
        log(`watching ${paths.length} paths, as the control plane's rules say`);
      } catch (err) {
        log(`the control plane's watched paths were not applied, the ones in force stay: ${(err as Error).message}`);
      }
    },
  });
  const pipeline = new NodePipeline({
    kernel: { ringBytes: f.ringBytes, flushMs: f.batchInterval, countersPin: countersPinFor(dir) },
    forward: f.forward,
    criSocket: f.criSocket,
    ociBundleRoots: f.ociBundleRoot,
    onCriCall: metrics && criLatencyMetric(metrics),
    log,
    sink: (events, accounts) => {
      outbox.enqueue(events, accounts);
      client.pump();
    },
  });
  const kernel = pipeline.kernel.emittedBefore();
  const sameCounters = before?.counters.mapId === kernel.mapId;
  // Records the run before read from the kernel and never logged: what the kernel submitted, less what it logged.
  const lost = sameCounters ? BigInt(kernel.emitted) - (outbox.accounted() - before.counters.base) : undefined;
  const profiling = profileIfAsked('sensor');
  runs.start({ mapId: kernel.mapId, base: sameCounters ? before.counters.base : outbox.accounted() - BigInt(kernel.emitted) });
  if (before) {
    const count = lost !== undefined && lost >= 0n ? Number(lost) : undefined;
    outbox.recordLoss(count ?? 0, unwatched(before, Date.now(), count), { fromMs: before.endedAt, toMs: Date.now() });
  }
  if (metrics) addSensorMetrics(metrics, { nodeName, pipeline, outbox, client });
  client.start();
  log(`streaming ${nodeName}'s events to ${address.target}`);
  return {
    async stop() {
      await profiling.stop();
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
  return addMetricsOptions(addSensorOptions(addClientOptions(new Command('sensor'))))
    .description('run the node sensor and stream its events to a control plane')
    .action(async (f: SensorFlags) => {
      const log = (line: string) => process.stderr.write(`vigil sensor: ${line}\n`);
      const settings = metricsSettings(f);
      const metrics = settings && new MetricsEndpoint({ prefix: 'vigil_sensor_', token: settings.token });
      const sensor = startSensor(f, version, log, metrics);
      try {
        if (settings) log(`metrics endpoint on ${describeAddress(await metrics!.listen(settings.listen))}: /metrics, /healthz, /readyz`);
      } catch (err) {
        await sensor.stop();
        throw err;
      }
      await untilStopped();
      await metrics?.close();
      await sensor.stop();
    });
}
