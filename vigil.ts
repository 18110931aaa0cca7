#!/usr/bin/env node
/**
 * The `vigil` command: registers each part's commands and funnels every error
 * into one message and a non-zero exit. Parts never import each other; they
 * meet here and over gRPC.
 */
import { Command, CommanderError } from 'commander';
import { VigilError } from './proto/errors';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../package.json') as { version: string };

/**
 * Each command's module, loaded only when it runs: a node's long-lived
 * `vigil sensor` then holds none of the control plane's code and libraries
 * (about 20 MiB of memory). Help and unknown commands load them all.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: [string, () => Command][] = [
  ['up', () => (require('./controlplane/src/cli/up') as typeof import('./controlplane/src/cli/up')).upCommand()],
  ['controlplane', () => (require('./controlplane/src/cli/controlplane') as typeof import('./controlplane/src/cli/controlplane')).controlplaneCommand()],
  ['cluster', () => (require('./controlplane/src/cli/cluster') as typeof import('./controlplane/src/cli/cluster')).clusterCommand()],
  ['sensor', () => (require('./sensor/src/cli/sensor-run') as typeof import('./sensor/src/cli/sensor-run')).sensorCommand(version)],
  ['trace', () => (require('./sensor/src/cli/trace') as typeof import('./sensor/src/cli/trace')).traceCommand()],
  ['events', () => (require('./controlplane/src/cli/events') as typeof import('./controlplane/src/cli/events')).eventsCommand()],
  ['alerts', () => (require('./controlplane/src/cli/alerts') as typeof import('./controlplane/src/cli/alerts')).alertsCommand()],
  ['containers', () => (require('./controlplane/src/cli/containers') as typeof import('./controlplane/src/cli/containers')).containersCommand()],
  ['gaps', () => (require('./controlplane/src/cli/gaps') as typeof import('./controlplane/src/cli/gaps')).gapsCommand()],
  ['audit', () => (require('./controlplane/src/cli/audit') as typeof import('./controlplane/src/cli/audit')).auditCommand()],
  ['rules', () => (require('./controlplane/src/cli/rules') as typeof import('./controlplane/src/cli/rules')).rulesCommand()],
  ['token', () => (require('./controlplane/src/cli/token') as typeof import('./controlplane/src/cli/token')).tokenCommand()],
  ['certs', () => (require('./controlplane/src/cli/certs') as typeof import('./controlplane/src/cli/certs')).certsCommand()],
  ['simulate', () => (require('./controlplane/src/cli/simulate') as typeof import('./controlplane/src/cli/simulate')).simulateCommand()],
];
/* eslint-enable @typescript-eslint/no-require-imports */

// A reader that stops early (`vigil events | head`) closes the pipe: that
// ends the command quietly, as it ends any Unix tool, rather than throwing
// from the next write.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`vigil: write to standard output: ${err.message}\n`);
  process.exit(1);
});

const program = new Command('vigil')
  .description('Vigil: runtime threat detection for Linux and Kubernetes nodes')
  .version(version)
  .showHelpAfterError('(run vigil --help for usage)');
const chosen = COMMANDS.find(([name]) => name === process.argv[2]);
for (const [, make] of chosen ? [chosen] : COMMANDS) program.addCommand(make());

// Usage errors come back here instead of exiting inside commander, so that
// every one of them, ours or commander's, exits with status 2.
const throwInsteadOfExit = (cmd: Command): void => {
  cmd.exitOverride();
  cmd.commands.forEach(throwInsteadOfExit);
};
throwInsteadOfExit(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2); // commander printed it
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`vigil: ${message}\n`);
  process.exit(err instanceof VigilError && err.code === 'INVALID_ARGUMENT' ? 2 : 1);
});
