/**
 * `vigil up`: one machine, everything. The control plane runs here; the
 * sensor runs as a child `vigil sensor`, so the two still meet only over
 * gRPC (on the data directory's unix socket), and a crashed sensor is
 * restarted. A status line shows events/s, losses and alerts. With
 * --metrics-listen, the child serves its metrics on a unix socket and this
 * endpoint shows them after the control plane's, and is ready only while
 * the child is.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Command } from 'commander';
import { startControlPlane } from '../main';
import { untilStopped } from '../../../proto/signals';
import { addSensorOptions, nodeNameOf, type SensorOptionFlags } from '../../../proto/client-connection';
import { addServerOptions, serverOptions, type ServerFlags } from './controlplane';
import { durationOption, durationUpTo } from '../../../proto/cli-values';
import { fetchFromSocket, type MetricsEndpoint } from '../../../proto/metrics-endpoint';
import { count } from '../../../proto/format/count';

type UpFlags = ServerFlags & SensorOptionFlags & { statusInterval: number };

/** The sensor's flags, as `vigil up` was given them, for the `vigil sensor` it runs. */
function sensorArgs(f: UpFlags, node: string): string[] {
  const args = ['--node-name', node, '--ring-bytes', String(f.ringBytes), '--batch-interval', `${f.batchInterval}ms`];
  if (f.spillDir) args.push('--spill-dir', f.spillDir);
  if (f.criSocket) args.push('--cri-socket', f.criSocket);
  for (const root of f.ociBundleRoot ?? []) args.push('--oci-bundle-root', root);
  if (f.forward) args.push('--forward', f.forward.join(','));
  return args;
}

const RESTART_DELAY_MS = 1000;

/**
 * V8's heap sizing for the sensor child. Its allocations are short-lived but
 * many (about 6 kB per exec), and by default V8 let the young generation grow
 * to 16 MiB and then started a full collection whenever the old generation's
 * headroom fell below that, which under an exec storm was about once a
 * second whatever little survived: the sensor's GC threads took as much CPU
 * as its main thread. A 4 MiB young generation and an old generation let to
 * double before it is collected halved the sensor's CPU per exec and lowered
 * its peak RSS (README, "The sensor's heap"). First, so that node flags
 * given to `vigil up` itself come later and win.
 */
const SENSOR_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=100'];

/** Serves the sensor child's metrics and readiness (read from `socket`) on this process's endpoint. */
function showSensorOn(metrics: MetricsEndpoint, socket: string): void {
  const ask = (route: string) => fetchFromSocket(socket, route);
  metrics.addSource(() => ask('/metrics').then((r) => (r.status === 200 ? r.body : `# sensor metrics: HTTP ${r.status}\n`), (err: Error) => `# sensor metrics unavailable: ${err.message}\n`));
  // Readiness only: a sensor restarting must not get the whole of vigil up killed by a liveness probe.
  metrics.addCheck('ready', 'sensor', () =>
    ask('/readyz').then(
      (r) => (r.status === 200 ? undefined : r.body.trim().split('\n').join('; ')),
      (err: Error) => `not answering on ${socket} (${err.message}): not running, or restarting`,
    ),
  );
}

export function upCommand(): Command {
  return addSensorOptions(addServerOptions(new Command('up')))
    .description('run the control plane and this node\'s sensor together (the default for one machine)')
    .addOption(durationOption('--status-interval <duration>', 'how often to print the status line (1s to 1d)', durationUpTo(86_400_000, 1000), 5000))
    .action(async (f: UpFlags) => {
      const log = (line: string) => process.stderr.write(`vigil up: ${line}\n`);
      // Before anything starts: a bad node name is a usage error, not a sensor crash loop.
      const node = nodeNameOf(f);
      const cp = await startControlPlane(serverOptions(f));
      const tokenFile = cp.nodeTokenFile(node);
      const sensorMetrics = path.join(f.dataDir, 'sensor-metrics.sock');
      if (cp.metrics) showSensorOn(cp.metrics, sensorMetrics);
      let sensor: ChildProcess | undefined;
      let stopping = false;
      const startSensor = () => {
        const args = [process.argv[1], 'sensor', '--data-dir', f.dataDir, '--controlplane', `unix://${cp.socketPath}`, '--token-file', tokenFile, ...sensorArgs(f, node)];
        if (cp.metrics) args.push('--metrics-listen', `unix://${sensorMetrics}`);
        // Node flags given to vigil up (a profiler's, a tracer's) reach the sensor too.
        sensor = spawn(process.execPath, [...SENSOR_NODE_FLAGS, ...process.execArgv, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
        sensor.on('exit', (code, signal) => {
          if (stopping) return;
          log(`sensor exited (${signal ?? `code ${code}`}); restarting in ${RESTART_DELAY_MS} ms`);
          setTimeout(startSensor, RESTART_DELAY_MS);
        });
      };
      startSensor();
      const status = setInterval(() => {
        const s = cp.status();
        log(`${Math.round(s.eventsPerSecond)} events/s, ${s.eventsStored} stored, ${s.eventsLost} lost, ${count(s.alerts, 'alert')}, ${count(s.sensors, 'sensor')} connected`);
      }, f.statusInterval);
      await untilStopped(() => cp.reload());
      stopping = true;
      clearInterval(status);
      if (sensor && sensor.exitCode === null) {
        const exited = new Promise((r) => sensor!.once('exit', r));
        sensor.kill('SIGTERM');
        await exited;
      }
      await cp.stop();
    });
}
